import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Empty, Form, Input, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { call } from '../api/client';
import type { AuditRecord, QueryOf } from '../api/types';
import { ErrorState, LoadingState } from '../components/states';
import { useI18n } from '../i18n';
import type { MessageKey } from '../messages/zh-cn';

const PAGE_SIZE = 50;
type Filters = Omit<QueryOf<'/api/v1/audit/records', 'get'>, 'beforeSeq' | 'limit'>;
const OUTCOME_COLOR: Record<string, string> = { success: 'default', failure: 'error', denied: 'warning' };

/** The chain's head, its last signed checkpoint, and "verify now" (itself an audited action). */
function ChainStatus() {
  const { t, lang } = useI18n();
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: ['audit', 'status'], queryFn: () => call('get', '/api/v1/audit/status') });
  const verify = useMutation({
    mutationFn: () => call('post', '/api/v1/audit/verify'),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['audit'] }),
  });
  const cp = status.data?.lastCheckpoint;
  return (
    <Card title={<h2 className="zt-card-title">{t('console.audit.chain')}</h2>} size="small">
      {status.isPending ? (
        <LoadingState />
      ) : status.isError ? (
        <ErrorState error={status.error} onRetry={() => void status.refetch()} />
      ) : (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Descriptions size="small" column={{ xs: 1, md: 3 }}>
            <Descriptions.Item label={t('console.audit.head')}>#{status.data.headSeq}</Descriptions.Item>
            <Descriptions.Item label={t('console.audit.hashAlg')}>{status.data.hashAlg}</Descriptions.Item>
            <Descriptions.Item label={t('console.audit.lastCheckpoint')}>
              {cp
                ? t('console.audit.checkpointAt', {
                    seq: cp.seq,
                    time: new Date(cp.signedAt).toLocaleString(lang),
                    suite: cp.suite,
                    key: cp.keyFingerprint.slice(0, 16),
                  })
                : t('console.audit.noCheckpoint')}
            </Descriptions.Item>
          </Descriptions>
          <Space wrap>
            <Button onClick={() => verify.mutate()} loading={verify.isPending}>
              {t('console.audit.verify')}
            </Button>
            {verify.isError ? (
              <ErrorState error={verify.error} />
            ) : verify.data ? (
              <Alert
                role="status"
                showIcon
                type={verify.data.ok ? 'success' : 'error'}
                title={
                  verify.data.ok
                    ? t('console.audit.verifyOk', { records: verify.data.records, checkpoints: verify.data.checkpoints })
                    : t('console.audit.verifyBad', { seq: verify.data.firstBadSeq ?? '?', reason: verify.data.reason ?? '' })
                }
              />
            ) : (
              <span className="zt-muted">{t('console.audit.notVerified')}</span>
            )}
          </Space>
        </Space>
      )}
    </Card>
  );
}

/** datetime-local (the browser's zone) → ISO 8601 with offset, as the API's date-time format asks. */
function toIso(local: string | undefined): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The audit admin's log viewer: filters, newest first, keyset paging ("load more"), the chain's status. */
export function AuditPage() {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<Filters>();
  const [filters, setFilters] = useState<Filters>({});
  const records = useInfiniteQuery({
    queryKey: ['audit', 'records', filters],
    queryFn: ({ pageParam }) =>
      call('get', '/api/v1/audit/records', { query: { ...filters, limit: PAGE_SIZE, ...(pageParam ? { beforeSeq: pageParam } : {}) } }),
    initialPageParam: 0,
    getNextPageParam: (last) => last.nextBeforeSeq ?? undefined,
  });
  const items = records.data?.pages.flatMap((p) => p.items) ?? [];
  const field = (name: keyof Filters, key: MessageKey, width = 200) => (
    <Form.Item name={name} label={t(key)}>
      <Input allowClear style={{ width }} />
    </Form.Item>
  );
  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('console.audit.title')}</h1>
      <ChainStatus />
      <Form<Filters & { fromLocal?: string; toLocal?: string }>
        form={form as never}
        layout="inline"
        className="zt-filters"
        onFinish={(v) => {
          const next: Filters = {};
          for (const k of ['action', 'actorId', 'orgId', 'subjectType', 'subjectId', 'q'] as const) if (v[k]?.trim()) next[k] = v[k].trim();
          if (v.outcome) next.outcome = v.outcome;
          const from = toIso(v.fromLocal);
          const to = toIso(v.toLocal);
          if (from) next.from = from;
          if (to) next.to = to;
          setFilters(next);
        }}
      >
        {field('action', 'console.audit.action')}
        {field('actorId', 'console.audit.actor')}
        {field('orgId', 'console.audit.org')}
        {field('subjectType', 'console.audit.subjectType', 140)}
        {field('subjectId', 'console.audit.subject')}
        <Form.Item name="outcome" label={t('console.audit.outcome')}>
          <Select
            allowClear
            style={{ width: 120 }}
            options={(['success', 'failure', 'denied'] as const).map((o) => ({ value: o, label: t(`console.audit.${o}`) }))}
          />
        </Form.Item>
        <Form.Item name="fromLocal" label={t('console.audit.from')}>
          <Input type="datetime-local" />
        </Form.Item>
        <Form.Item name="toLocal" label={t('console.audit.to')}>
          <Input type="datetime-local" />
        </Form.Item>
        {field('q', 'console.audit.text')}
        <Form.Item>
          <Space>
            <Button type="primary" htmlType="submit">
              {t('console.audit.search')}
            </Button>
            <Button
              onClick={() => {
                form.resetFields();
                setFilters({});
              }}
            >
              {t('console.audit.reset')}
            </Button>
          </Space>
        </Form.Item>
      </Form>
      {records.isError ? (
        <ErrorState error={records.error} onRetry={() => void records.refetch()} />
      ) : (
        <>
          <Table<AuditRecord>
            rowKey="seq"
            size="small"
            loading={records.isPending || (records.isFetching && !records.isFetchingNextPage)}
            dataSource={items}
            pagination={false}
            scroll={{ x: 1000 }}
            locale={{ emptyText: <Empty description={t('console.audit.empty')} /> }}
            expandable={{
              expandedRowRender: (r) => (
                <pre className="zt-pre">{JSON.stringify({ summary: r.summary, requestId: r.requestId, clientIp: r.clientIp, hash: r.hash }, null, 2)}</pre>
              ),
            }}
            columns={[
              { title: t('console.audit.seq'), dataIndex: 'seq', width: 80 },
              { title: t('console.audit.time'), dataIndex: 'occurredAt', width: 190, render: (v: string) => new Date(v).toLocaleString(lang) },
              {
                title: t('console.audit.who'),
                dataIndex: 'actor',
                render: (a: AuditRecord['actor']) => (
                  <span title={a.id ?? undefined}>
                    {a.name ?? a.id ?? '—'} <span className="zt-muted">({a.type})</span>
                  </span>
                ),
              },
              { title: t('console.audit.what'), dataIndex: 'action', render: (v: string) => <code>{v}</code> },
              {
                title: t('console.audit.target'),
                dataIndex: 'subject',
                render: (s: AuditRecord['subject']) => (s ? <span className="zt-mono">{`${s.type}:${s.id}`}</span> : '—'),
              },
              {
                title: t('console.audit.outcome'),
                dataIndex: 'outcome',
                width: 90,
                render: (v: string) => (
                  <Tag color={OUTCOME_COLOR[v]}>{['success', 'failure', 'denied'].includes(v) ? t(`console.audit.${v}` as MessageKey) : v}</Tag>
                ),
              },
            ]}
          />
          {items.length > 0 &&
            (records.hasNextPage ? (
              <Button onClick={() => void records.fetchNextPage()} loading={records.isFetchingNextPage}>
                {t('console.audit.more')}
              </Button>
            ) : (
              <span className="zt-muted">{t('console.audit.end')}</span>
            ))}
        </>
      )}
    </section>
  );
}
