import { useQuery } from '@tanstack/react-query';
import { Button, Result } from 'antd';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, call } from '../../api/client';
import { ErrorState, LoadingState } from '../../components/states';
import { useI18n } from '../../i18n';
import { ResourceDetails } from './resource-details';

/** One open resource: metadata, data items, links and DCAT-AP downloads. A lazy chunk. */
export default function OpenResourcePage() {
  const { t } = useI18n();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const resource = useQuery({
    queryKey: ['catalog', 'resource', id],
    queryFn: () => call('get', '/api/v1/catalog/resources/{id}', { params: { id } }),
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
  });
  const back = (
    <Link to="/open-data" className="zt-gap">
      {t('catalog.open.back')}
    </Link>
  );
  if (resource.isPending) return <LoadingState />;
  if (resource.isError) {
    const e = resource.error;
    if (e instanceof ApiError && (e.status === 404 || e.status === 400 || e.status === 401 || e.status === 403))
      return (
        <Result
          status="404"
          title={t('catalog.open.notFound')}
          subTitle={e.message}
          extra={
            <Button type="primary" onClick={() => navigate('/open-data')}>
              {t('catalog.open.back')}
            </Button>
          }
        />
      );
    return <ErrorState error={e} onRetry={() => void resource.refetch()} />;
  }
  return <ResourceDetails resource={resource.data} actions={back} />;
}
