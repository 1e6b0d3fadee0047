import { useQuery } from '@tanstack/react-query';
import { Button, Result, Space } from 'antd';
import { useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, call } from '../../api/client';
import { useSession } from '../../api/session';
import { ErrorState, LoadingState } from '../../components/states';
import { useI18n } from '../../i18n';
import type { Resource } from '../../portal/open-data/catalog-types';
import { ResourceDetails } from '../../portal/open-data/resource-details';
import { ApplyModal } from './apply-modal';

/** GET /catalog/resources/:id for the `:id` of the route. */
export function useRouteResource() {
  const { id = '' } = useParams();
  return useQuery({
    queryKey: ['catalog', 'resource', id],
    queryFn: () => call('get', '/api/v1/catalog/resources/{id}', { params: { id } }),
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
  });
}

/** Loading, error (not found as a 404 result) and the resource's details with `actions`. */
export function ResourceScreen({ back, actions, showStatus }: { back: string; actions?: (r: Resource) => ReactNode; showStatus?: boolean }) {
  const { t } = useI18n();
  const resource = useRouteResource();
  if (resource.isPending) return <LoadingState />;
  if (resource.isError) {
    const e = resource.error;
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return <Result status="404" title={t('catalog.open.notFound')} subTitle={e.message} />;
    return <ErrorState error={e} onRetry={() => void resource.refetch()} />;
  }
  return (
    <ResourceDetails
      resource={resource.data}
      showStatus={showStatus}
      actions={
        <Space wrap>
          <Link to={back}>{t('catalog.back')}</Link>
          {actions?.(resource.data)}
        </Space>
      }
    />
  );
}

/** A resource of the sharing catalog, for staff: details and 申请共享 (not for one's own department, nor for 不予共享). */
export function SharingResourcePage({ canApply }: { canApply: boolean }) {
  const { t } = useI18n();
  const session = useSession();
  const navigate = useNavigate();
  const [applying, setApplying] = useState(false);
  const orgId = session.data?.user?.orgId;
  return (
    <ResourceScreen
      back="/console/catalog"
      actions={(r) =>
        canApply && r.shareType !== 'none' && r.provider.orgId !== orgId && r.status === 'published' ? (
          <>
            <Button type="primary" onClick={() => setApplying(true)}>
              {t('catalog.apply.button')}
            </Button>
            <ApplyModal
              resource={r}
              open={applying}
              onClose={() => setApplying(false)}
              onApplied={() => {
                setApplying(false);
                navigate('/console/catalog-applications?direction=out');
              }}
            />
          </>
        ) : null
      }
    />
  );
}
