import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Popconfirm, Tag } from 'antd';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { call } from '../../api/client';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../messages/zh-cn';
import { CatalogSearch } from '../../portal/open-data/catalog-search';
import type { Resource } from '../../portal/open-data/catalog-types';
import { CatalogExportButtons } from './export-buttons';
import { ReasonModal } from './reason-modal';
import { ResourceScreen } from './resource-view';

const STATUS_CLASS: Record<string, string> = { pending: 'zt-cat-warn', published: 'zt-cat-ok', returned: 'zt-cat-bad' };

export function StatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  return <Tag className={STATUS_CLASS[status]}>{t(`catalog.status.${status}` as MessageKey)}</Tag>;
}

/** 本部门资源: the department's resources in every status, searchable, with 新建. */
export function MyResourcesPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  return (
    <CatalogSearch
      view="mine"
      title={t('catalog.mine.title')}
      pageSize={20}
      hrefOf={(hit) => `/console/catalog-mine/${hit.resource.id}`}
      extra={(hit) => <StatusTag status={hit.resource.status} />}
      actions={
        <>
          <Button type="primary" onClick={() => navigate('/console/catalog-mine/new')}>
            {t('catalog.mine.new')}
          </Button>
          <CatalogExportButtons />
        </>
      }
    />
  );
}

/** What the owner can do with a resource in its current status: edit, submit, record a data update, take offline (department admin). */
function OwnerActions({ r, canWithdraw }: { r: Resource; canWithdraw: boolean }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [withdrawing, setWithdrawing] = useState(false);
  const done = async (key: MessageKey) => {
    await queryClient.invalidateQueries({ queryKey: ['catalog'] });
    void message.success(t(key, { code: r.code }));
  };
  const onError = (e: Error) => void message.error(e.message);
  const submit = useMutation({
    mutationFn: () => call('post', '/api/v1/catalog/resources/{id}/submit', { params: { id: r.id } }),
    onSuccess: () => done('catalog.form.submitted'),
    onError,
  });
  const updated = useMutation({
    mutationFn: () => call('post', '/api/v1/catalog/resources/{id}/data-updated', { params: { id: r.id } }),
    onSuccess: () => done('catalog.mine.dataUpdated'),
    onError,
  });
  const editable = ['draft', 'returned', 'offline'].includes(r.status);
  return (
    <>
      <StatusTag status={r.status} />
      {editable && <Button onClick={() => navigate(`/console/catalog-mine/${r.id}/edit`)}>{t('catalog.mine.edit')}</Button>}
      {(r.status === 'draft' || r.status === 'returned') && (
        <Button type="primary" loading={submit.isPending} onClick={() => submit.mutate()}>
          {t('catalog.mine.submit')}
        </Button>
      )}
      {r.status === 'published' && (
        <Popconfirm title={t('catalog.mine.dataUpdatedConfirm')} okText={t('form.save')} cancelText={t('form.cancel')} onConfirm={() => updated.mutate()}>
          <Button loading={updated.isPending}>{t('catalog.mine.markUpdated')}</Button>
        </Popconfirm>
      )}
      {r.status === 'published' && canWithdraw && (
        <>
          <Button danger onClick={() => setWithdrawing(true)}>
            {t('catalog.review.offline')}
          </Button>
          {withdrawing && (
            <ReasonModal
              title={t('catalog.review.offlineTitle', { name: r.name })}
              label={t('catalog.review.reason')}
              okText={t('catalog.review.offline')}
              open={withdrawing}
              onClose={() => setWithdrawing(false)}
              onSubmit={async (reason) => {
                await call('post', '/api/v1/catalog/resources/{id}/withdraw', { params: { id: r.id }, body: { reason } });
                await done('catalog.review.offlineDone');
              }}
            />
          )}
        </>
      )}
      {r.status === 'published' && <Link to={`/console/catalog-applications?direction=in`}>{t('catalog.mine.applications')}</Link>}
    </>
  );
}

/** One of the department's resources, with the owner's actions and the reviewer's note when returned. */
export function MyResourcePage({ canWithdraw }: { canWithdraw: boolean }) {
  return <ResourceScreen back="/console/catalog-mine" showStatus actions={(r) => <OwnerActions r={r} canWithdraw={canWithdraw} />} />;
}
