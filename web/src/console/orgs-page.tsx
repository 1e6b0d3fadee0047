import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Empty, Input, Table, Tag } from 'antd';
import { useState } from 'react';
import { api } from '../api/client';
import type { Org, Page } from '../api/types';
import { ErrorState } from '../components/states';
import { useI18n } from '../i18n';

const PAGE_SIZE = 20;

/** Organisations (departments and enterprises), searchable and paged on the server. */
export function OrgsPage() {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const orgs = useQuery({
    queryKey: ['orgs', q, page],
    queryFn: () => api<Page<Org>>('GET', '/api/v1/orgs', { query: { q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE } }),
    placeholderData: keepPreviousData,
  });
  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('console.orgs.title')}</h1>
      <Input.Search
        aria-label={t('console.orgs.search')}
        placeholder={t('console.orgs.search')}
        allowClear
        style={{ maxWidth: 360 }}
        onSearch={(v) => {
          setQ(v.trim());
          setPage(1);
        }}
      />
      {orgs.isError ? (
        <ErrorState error={orgs.error} onRetry={() => void orgs.refetch()} />
      ) : (
        <Table<Org>
          rowKey="id"
          loading={orgs.isFetching}
          dataSource={orgs.data?.items ?? []}
          locale={{ emptyText: <Empty description={t('console.orgs.empty')} /> }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: orgs.data?.total ?? 0, showSizeChanger: false, onChange: setPage }}
          columns={[
            { title: t('console.orgs.name'), dataIndex: 'name' },
            {
              title: t('console.orgs.kind'),
              dataIndex: 'kind',
              render: (k: Org['kind']) => <Tag>{t(k === 'department' ? 'console.orgs.department' : 'console.orgs.enterprise')}</Tag>,
            },
            { title: t('console.orgs.uscc'), dataIndex: 'uscc', render: (v: string) => <code>{v}</code> },
            { title: t('console.orgs.region'), dataIndex: 'regionName', render: (v: string | null, o) => v ?? o.regionCode },
            {
              title: t('console.orgs.status'),
              dataIndex: 'status',
              render: (v: string) => (v === 'active' ? t('console.orgs.active') : t('console.orgs.inactive')),
            },
          ]}
        />
      )}
    </section>
  );
}
