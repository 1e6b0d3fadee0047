import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Empty, Popconfirm, Select, Space, Table } from 'antd';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { call } from '../../api/client';
import { ErrorState } from '../../components/states';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../messages/zh-cn';
import { RESOURCE_STATUSES, type Resource } from '../../portal/open-data/catalog-types';
import { day } from '../../portal/open-data/resource-details';
import { StatusTag } from './mine-pages';
import { ReasonModal } from './reason-modal';
import { ResourceScreen } from './resource-view';

const PAGE_SIZE = 20;
type Status = Resource['status'];

/** The reviewer's decisions on one resource: publish or return (待审核), take offline (已发布). */
function ReviewActions({ r, compact }: { r: Resource; compact?: boolean }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState<'return' | 'offline'>();
  const [busy, setBusy] = useState(false);
  const size = compact ? 'small' : 'middle';
  const refresh = async (key: MessageKey) => {
    await queryClient.invalidateQueries({ queryKey: ['catalog'] });
    void message.success(t(key, { code: r.code, name: r.name }));
  };
  const publish = async () => {
    setBusy(true);
    try {
      await call('post', '/api/v1/catalog/resources/{id}/review', { params: { id: r.id }, body: { decision: 'publish' } });
      await refresh('catalog.review.published');
    } catch (e) {
      void message.error(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Space size={4} wrap>
      {r.status === 'pending' && (
        <>
          <Popconfirm
            title={t('catalog.review.publishConfirm', { name: r.name })}
            okText={t('catalog.review.publish')}
            cancelText={t('form.cancel')}
            onConfirm={publish}
          >
            <Button autoInsertSpace={false} size={size} type="primary" loading={busy} aria-label={`${t('catalog.review.publish')} ${r.name}`}>
              {t('catalog.review.publish')}
            </Button>
          </Popconfirm>
          <Button autoInsertSpace={false} size={size} onClick={() => setAsking('return')} aria-label={`${t('catalog.review.return')} ${r.name}`}>
            {t('catalog.review.return')}
          </Button>
        </>
      )}
      {r.status === 'published' && (
        <Button autoInsertSpace={false} size={size} danger onClick={() => setAsking('offline')} aria-label={`${t('catalog.review.offline')} ${r.name}`}>
          {t('catalog.review.offline')}
        </Button>
      )}
      {asking && (
        <ReasonModal
          title={t(asking === 'offline' ? 'catalog.review.offlineTitle' : 'catalog.review.returnTitle', { name: r.name })}
          label={t('catalog.review.reason')}
          okText={t(asking === 'offline' ? 'catalog.review.offline' : 'catalog.review.return')}
          open={!!asking}
          onClose={() => setAsking(undefined)}
          onSubmit={async (reason) => {
            if (asking === 'offline') {
              await call('post', '/api/v1/catalog/resources/{id}/withdraw', { params: { id: r.id }, body: { reason } });
              await refresh('catalog.review.offlineDone');
            } else {
              await call('post', '/api/v1/catalog/resources/{id}/review', { params: { id: r.id }, body: { decision: 'return', reason } });
              await refresh('catalog.review.returned');
            }
          }}
        />
      )}
    </Space>
  );
}

/** 目录审核: the queue (待审核, oldest first), or the resources in another status, with the reviewer's actions. */
export function ReviewQueuePage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const status = (RESOURCE_STATUSES as readonly string[]).includes(params.get('status') ?? '') ? (params.get('status') as Status) : 'pending';
  const [page, setPage] = useState(1);
  const queue = useQuery({
    queryKey: ['catalog', 'review-queue', status, page],
    queryFn: () => call('get', '/api/v1/catalog/review-queue', { query: { status, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE } }),
    placeholderData: keepPreviousData,
  });
  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('catalog.review.title')}</h1>
      <Space wrap>
        <Select
          aria-label={t('catalog.field.status')}
          style={{ width: 160 }}
          value={status}
          onChange={(v: Status) => {
            setParams(v === 'pending' ? {} : { status: v });
            setPage(1);
          }}
          options={RESOURCE_STATUSES.map((s) => ({ value: s, label: t(`catalog.status.${s}` as MessageKey) }))}
        />
        <span role="status">{queue.data ? t('catalog.search.total', { n: queue.data.total }) : ''}</span>
      </Space>
      {queue.isError ? (
        <ErrorState error={queue.error} onRetry={() => void queue.refetch()} />
      ) : (
        <Table<Resource>
          rowKey="id"
          loading={queue.isFetching}
          dataSource={queue.data?.items ?? []}
          locale={{ emptyText: <Empty description={t('catalog.review.empty')} /> }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: queue.data?.total ?? 0, showSizeChanger: false, onChange: setPage }}
          scroll={{ x: 960 }}
          columns={[
            { title: t('catalog.field.code'), dataIndex: 'code', render: (v: string) => <span className="zt-mono">{v}</span> },
            { title: t('catalog.field.name'), dataIndex: 'name', render: (v: string, r) => <Link to={`/console/catalog-review/${r.id}`}>{v}</Link> },
            { title: t('catalog.field.provider'), key: 'provider', render: (_: unknown, r) => r.provider.name },
            { title: t('catalog.field.shareType'), dataIndex: 'shareLabel' },
            { title: t('catalog.field.status'), dataIndex: 'status', render: (v: string) => <StatusTag status={v} /> },
            { title: t('catalog.field.updatedAt'), dataIndex: 'updatedAt', render: (v: string) => day(v) },
            { title: t('catalog.actions'), key: 'actions', render: (_: unknown, r) => <ReviewActions r={r} compact /> },
          ]}
        />
      )}
    </section>
  );
}

/** One resource as the reviewer sees it, with the decisions. */
export function ReviewResourcePage() {
  return <ResourceScreen back="/console/catalog-review" showStatus actions={(r) => <ReviewActions r={r} />} />;
}
