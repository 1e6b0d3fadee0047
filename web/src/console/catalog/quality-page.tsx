import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Card, Empty, Progress, Select, Space, Statistic, Switch, Table, Tag } from 'antd';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { call } from '../../api/client';
import { ErrorState } from '../../components/states';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../messages/zh-cn';
import type { QualityReport } from '../../portal/open-data/catalog-types';
import { day } from '../../portal/open-data/resource-details';
import { StatusTag } from './mine-pages';

const PAGE_SIZE = 50;
type Row = QualityReport['items'][number];

/** 目录质量: completeness of the metadata, data updated on schedule, dead links — the department's or (reviewers) every published resource. */
export function QualityPage({ canSeeAll }: { canSeeAll: boolean }) {
  const { t } = useI18n();
  const [scope, setScope] = useState<'mine' | 'all'>(canSeeAll ? 'all' : 'mine');
  const [checkLinks, setCheckLinks] = useState(false);
  const [page, setPage] = useState(1);
  const linksId = useId();
  const report = useQuery({
    queryKey: ['catalog', 'quality', scope, checkLinks, page],
    queryFn: () => call('get', '/api/v1/catalog/quality', { query: { scope, checkLinks, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE } }),
    placeholderData: keepPreviousData,
  });
  const s = report.data?.summary;
  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('catalog.quality.title')}</h1>
      <Space wrap>
        {canSeeAll && (
          <Select
            aria-label={t('catalog.quality.scope')}
            style={{ width: 200 }}
            value={scope}
            onChange={(v: 'mine' | 'all') => {
              setScope(v);
              setPage(1);
            }}
            options={[
              { value: 'all', label: t('catalog.quality.all') },
              { value: 'mine', label: t('catalog.quality.mine') },
            ]}
          />
        )}
        <label htmlFor={linksId}>{t('catalog.quality.checkLinks')}</label>
        <Switch id={linksId} checked={checkLinks} onChange={setCheckLinks} loading={checkLinks && report.isFetching} />
      </Space>
      {report.isError ? (
        <ErrorState error={report.error} onRetry={() => void report.refetch()} />
      ) : (
        <>
          <Card size="small" loading={report.isPending}>
            {s && (
              <Space wrap size="large">
                <Statistic title={t('catalog.quality.resources')} value={s.resources} />
                <Statistic title={t('catalog.quality.completeness')} value={s.averageCompleteness} suffix="%" />
                <Statistic title={t('catalog.quality.onSchedule')} value={s.onSchedule} />
                <Statistic title={t('catalog.quality.late')} value={s.late} />
                <Statistic title={t('catalog.quality.deadLinks')} value={checkLinks ? `${s.deadLinks} / ${s.checkedLinks}` : '—'} />
              </Space>
            )}
          </Card>
          <Table<Row>
            rowKey="id"
            size="small"
            loading={report.isFetching}
            dataSource={report.data?.items ?? []}
            locale={{ emptyText: <Empty description={t('catalog.quality.empty')} /> }}
            pagination={{ current: page, pageSize: PAGE_SIZE, total: s?.resources ?? 0, showSizeChanger: false, onChange: setPage }}
            scroll={{ x: 1000 }}
            columns={[
              { title: t('catalog.field.code'), dataIndex: 'code', render: (v: string) => <span className="zt-mono">{v}</span> },
              {
                title: t('catalog.field.name'),
                dataIndex: 'name',
                render: (v: string, r) => <Link to={scope === 'mine' ? `/console/catalog-mine/${r.id}` : `/console/catalog-review/${r.id}`}>{v}</Link>,
              },
              { title: t('catalog.field.status'), dataIndex: 'status', render: (v: string) => <StatusTag status={v} /> },
              {
                title: t('catalog.quality.completeness'),
                dataIndex: 'completeness',
                width: 160,
                render: (v: number) => <Progress percent={v} size="small" aria-label={`${t('catalog.quality.completeness')} ${v}%`} />,
              },
              {
                title: t('catalog.quality.missing'),
                dataIndex: 'missing',
                render: (v: string[]) => (v.length ? v.map((m) => <Tag key={m}>{m}</Tag>) : '—'),
              },
              { title: t('catalog.quality.lastUpdate'), dataIndex: 'lastDataUpdate', render: (v: string | null) => day(v) },
              { title: t('catalog.quality.dueBy'), dataIndex: 'updateDueBy', render: (v: string | null) => day(v) },
              {
                title: t('catalog.quality.schedule'),
                dataIndex: 'onSchedule',
                render: (v: boolean | null) =>
                  v === null ? '—' : <Tag className={v ? 'zt-cat-ok' : 'zt-cat-bad'}>{t(v ? 'catalog.quality.ok' : 'catalog.quality.lateTag')}</Tag>,
              },
              {
                title: t('catalog.quality.links'),
                dataIndex: 'links',
                render: (links: Row['links']) =>
                  links.length
                    ? links.map((l) => (
                        <div key={l.ref} className="zt-mono">
                          {l.ok === null ? '·' : l.ok ? '✓' : '✗'} {l.ref}
                          {l.ok === false ? `（${l.status ?? l.error ?? ''}）` : ''}
                        </div>
                      ))
                    : '—',
              },
            ]}
          />
          <p className="zt-muted">{t('catalog.quality.help' as MessageKey)}</p>
        </>
      )}
    </section>
  );
}
