import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Empty, Form, Input, InputNumber, Popconfirm, Space, Switch, Table, Tag } from 'antd';
import { useState } from 'react';
import { call } from '../../api/client';
import type { ReplyOf } from '../../api/types';
import { ErrorState, LoadingState } from '../../components/states';
import { useI18n } from '../../i18n';
import { FormModal } from '../form-modal';
import '../data-pages.css';

type Source = ReplyOf<'/api/v1/catalog/harvest-sources', 'get'>[number];
type Run = ReplyOf<'/api/v1/catalog/harvest-sources/{id}/run', 'post'>;
interface SourceValues {
  name: string;
  url: string;
  intervalMinutes?: number | null;
  regionCode?: string;
}
/** What can change on a source (its address cannot: a new address is a new source). */
interface EditValues {
  name: string;
  intervalMinutes?: number | null;
  regionCode?: string | null;
  enabled: boolean;
}

const KEY = ['catalog', 'harvest-sources'] as const;
/** The numbers of a run, for the catalog.harvest.counts message. */
const countsOf = (r: Run) => ({ created: r.created, updated: r.updated, unchanged: r.unchanged, withdrawn: r.withdrawn, skipped: r.skipped, pages: r.pages });
const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString('zh-CN', { hour12: false }) : '—');

/** One run's counts and per-record errors. */
function RunResult({ source, run }: { source: string; run: Run }) {
  const { t } = useI18n();
  const ok = run.status === 'succeeded';
  return (
    <Alert
      data-testid="harvest-run-result"
      type={ok ? (run.errors.length > 0 ? 'warning' : 'success') : 'error'}
      role="status"
      showIcon
      title={t(ok ? 'catalog.harvest.runOk' : 'catalog.harvest.runFailed', { name: source })}
      description={
        <Space orientation="vertical">
          <span>{t('catalog.harvest.counts', countsOf(run))}</span>
          {run.message && <span>{run.message}</span>}
          {run.errors.length > 0 && (
            <ul className="zt-issues">
              {run.errors.slice(0, 20).map((e, i) => (
                <li key={i}>
                  <span className="zt-mono">{e.uri}</span>：{e.reason}
                </li>
              ))}
            </ul>
          )}
        </Space>
      }
    />
  );
}

/** A source's recent runs (expanded row): when, mode, outcome, counts and the first errors. */
function SourceRuns({ id }: { id: string }) {
  const { t } = useI18n();
  const detail = useQuery({ queryKey: [...KEY, id], queryFn: () => call('get', '/api/v1/catalog/harvest-sources/{id}', { params: { id } }) });
  if (detail.isPending) return <LoadingState />;
  if (detail.isError) return <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />;
  return (
    <Table<Run>
      rowKey="id"
      size="small"
      dataSource={detail.data.runs}
      pagination={false}
      locale={{ emptyText: <Empty description={t('catalog.harvest.never')} /> }}
      columns={[
        { title: t('catalog.harvest.startedAt'), dataIndex: 'startedAt', width: 180, render: (v: string) => time(v) },
        {
          title: t('catalog.harvest.mode'),
          dataIndex: 'mode',
          width: 90,
          render: (m: Run['mode']) => t(m === 'full' ? 'catalog.harvest.mode.full' : 'catalog.harvest.mode.incremental'),
        },
        {
          title: t('catalog.harvest.outcome'),
          dataIndex: 'status',
          width: 90,
          render: (v: Run['status']) => (
            <Tag className={v === 'succeeded' ? 'zt-outcome-ok' : 'zt-outcome-bad'}>
              {t(v === 'succeeded' ? 'catalog.harvest.ok' : 'catalog.harvest.failed')}
            </Tag>
          ),
        },
        {
          title: t('catalog.harvest.result'),
          key: 'counts',
          render: (_: unknown, r) => (
            <Space orientation="vertical" size={0}>
              <span>{t('catalog.harvest.counts', countsOf(r))}</span>
              {r.message && <span>{r.message}</span>}
              {r.errors.slice(0, 5).map((e, i) => (
                <span key={i}>
                  <span className="zt-mono">{e.uri}</span>：{e.reason}
                </span>
              ))}
              {r.errors.length > 5 && <span>{t('catalog.harvest.moreErrors', { count: r.errors.length - 5 })}</span>}
            </Space>
          ),
        },
      ]}
    />
  );
}

/** The fields a source is added with; its address only when adding (a new address is a new source). */
function SourceFields({ withUrl }: { withUrl: boolean }) {
  const { t } = useI18n();
  return (
    <>
      <Form.Item
        name="name"
        label={t('catalog.harvest.name')}
        rules={[{ required: true, whitespace: true, message: t('form.required', { field: t('catalog.harvest.name') }) }]}
      >
        <Input maxLength={200} />
      </Form.Item>
      {withUrl && (
        <Form.Item
          name="url"
          label={t('catalog.harvest.url')}
          extra={t('catalog.harvest.urlHelp')}
          rules={[{ required: true, whitespace: true, message: t('form.required', { field: t('catalog.harvest.url') }) }]}
        >
          <Input maxLength={2100} className="zt-mono" placeholder="https://city.example.gov.cn/api/v1/catalog/dcat.ttl" />
        </Form.Item>
      )}
      <Form.Item name="intervalMinutes" label={t('catalog.harvest.interval')} extra={t('catalog.harvest.intervalHelp')}>
        <InputNumber min={5} max={10080} precision={0} style={{ width: 200 }} />
      </Form.Item>
      <Form.Item name="regionCode" label={t('catalog.harvest.region')}>
        <Input maxLength={12} className="zt-mono" style={{ width: 200 }} />
      </Form.Item>
    </>
  );
}

/**
 * 汇聚来源: the lower-level catalogs this one harvests (another zhengtong's DCAT-AP endpoint or any
 * DCAT-AP document) with their schedule, last run and counts; add one, harvest now, see the result;
 * change a source's name, schedule, region or 启用, or delete it (its resources go offline).
 */
export default function HarvestSourcesPage() {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<SourceValues>();
  const [adding, setAdding] = useState(false);
  const [editForm] = Form.useForm<EditValues>();
  const [editing, setEditing] = useState<Source>();
  const [lastRun, setLastRun] = useState<{ source: string; run: Run }>();
  const sources = useQuery({ queryKey: KEY, queryFn: () => call('get', '/api/v1/catalog/harvest-sources') });
  const harvest = useMutation({
    mutationFn: (s: Source) => call('post', '/api/v1/catalog/harvest-sources/{id}/run', { params: { id: s.id }, body: { full: false } }),
    onSuccess: async (run, s) => {
      setLastRun({ source: s.name, run });
      await queryClient.invalidateQueries({ queryKey: KEY });
    },
  });
  const remove = useMutation({
    mutationFn: (s: Source) => call('delete', '/api/v1/catalog/harvest-sources/{id}', { params: { id: s.id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['catalog'] }),
  });
  const edit = (s: Source) => {
    editForm.setFieldsValue({ name: s.name, intervalMinutes: s.intervalMinutes, regionCode: s.regionCode, enabled: s.enabled });
    setEditing(s);
  };
  const schedule = (s: Source) => (s.intervalMinutes ? t('catalog.harvest.every', { minutes: s.intervalMinutes }) : t('catalog.harvest.manual'));

  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('catalog.harvest.title')}</h1>
      <p className="zt-muted">{t('catalog.harvest.help')}</p>
      <Space>
        <Button type="primary" onClick={() => setAdding(true)}>
          {t('catalog.harvest.add')}
        </Button>
      </Space>
      {harvest.isError && <ErrorState error={harvest.error} />}
      {remove.isError && <ErrorState error={remove.error} />}
      {lastRun && <RunResult source={lastRun.source} run={lastRun.run} />}
      {sources.isPending ? (
        <LoadingState />
      ) : sources.isError ? (
        <ErrorState error={sources.error} onRetry={() => void sources.refetch()} />
      ) : (
        <Table<Source>
          rowKey="id"
          size="small"
          dataSource={sources.data}
          pagination={false}
          expandable={{ expandedRowRender: (s) => <SourceRuns id={s.id} />, expandRowByClick: false }}
          locale={{ emptyText: <Empty description={t('catalog.harvest.empty')} /> }}
          columns={[
            {
              title: t('catalog.harvest.name'),
              dataIndex: 'name',
              render: (name: string, s) => (
                <Space orientation="vertical" size={0}>
                  <strong>{name}</strong>
                  <span className="zt-mono zt-muted">{s.url}</span>
                </Space>
              ),
            },
            {
              title: t('catalog.harvest.kind'),
              dataIndex: 'kind',
              width: 110,
              render: (k: Source['kind']) => t(k === 'zhengtong' ? 'catalog.harvest.kind.zhengtong' : 'catalog.harvest.kind.dcat'),
            },
            {
              title: t('catalog.harvest.schedule'),
              key: 'schedule',
              width: 130,
              render: (_: unknown, s) => (
                <Space orientation="vertical" size={0}>
                  <span>{schedule(s)}</span>
                  {!s.enabled && <Tag className="zt-outcome-bad">{t('catalog.harvest.disabled')}</Tag>}
                </Space>
              ),
            },
            {
              title: t('catalog.harvest.lastRun'),
              key: 'last',
              render: (_: unknown, s) =>
                s.lastRunAt ? (
                  <Space orientation="vertical" size={0}>
                    <span>
                      <Tag className={s.lastStatus === 'succeeded' ? 'zt-outcome-ok' : 'zt-outcome-bad'}>
                        {t(s.lastStatus === 'succeeded' ? 'catalog.harvest.ok' : 'catalog.harvest.failed')}
                      </Tag>
                      {time(s.lastRunAt)}
                    </span>
                    {s.lastMessage && <span className="zt-muted">{s.lastMessage}</span>}
                  </Space>
                ) : (
                  t('catalog.harvest.never')
                ),
            },
            {
              title: t('catalog.harvest.resources'),
              key: 'resources',
              width: 150,
              render: (_: unknown, s) => t('catalog.harvest.resourceCounts', { published: s.resources.published, offline: s.resources.offline }),
            },
            {
              title: t('catalog.harvest.actions'),
              key: 'actions',
              width: 220,
              render: (_: unknown, s) => (
                <Space wrap size="small">
                  <Button
                    loading={harvest.isPending && harvest.variables?.id === s.id}
                    disabled={harvest.isPending || !s.enabled}
                    onClick={() => harvest.mutate(s)}
                  >
                    {t('catalog.harvest.run')}
                  </Button>
                  <Button autoInsertSpace={false} onClick={() => edit(s)} aria-label={t('catalog.harvest.editOf', { name: s.name })}>
                    {t('catalog.harvest.edit')}
                  </Button>
                  <Popconfirm
                    title={t('catalog.harvest.deleteConfirm', { name: s.name, count: s.resources.published })}
                    okText={t('catalog.harvest.delete')}
                    okButtonProps={{ danger: true }}
                    cancelText={t('form.cancel')}
                    onConfirm={() => remove.mutateAsync(s)}
                  >
                    <Button
                      danger
                      autoInsertSpace={false}
                      loading={remove.isPending && remove.variables?.id === s.id}
                      aria-label={t('catalog.harvest.deleteOf', { name: s.name })}
                    >
                      {t('catalog.harvest.delete')}
                    </Button>
                  </Popconfirm>
                </Space>
              ),
            },
          ]}
        />
      )}
      <FormModal<SourceValues>
        title={t('catalog.harvest.add')}
        open={adding}
        onClose={() => setAdding(false)}
        form={form}
        fieldNames={['name', 'url', 'intervalMinutes', 'regionCode']}
        onSubmit={async (v) => {
          await call('post', '/api/v1/catalog/harvest-sources', {
            body: {
              name: v.name.trim(),
              url: v.url.trim(),
              intervalMinutes: v.intervalMinutes ?? null,
              ...(v.regionCode?.trim() ? { regionCode: v.regionCode.trim() } : {}),
            },
          });
          await queryClient.invalidateQueries({ queryKey: KEY });
        }}
      >
        <SourceFields withUrl />
      </FormModal>
      <FormModal<EditValues>
        title={t('catalog.harvest.editTitle', { name: editing?.name ?? '' })}
        open={!!editing}
        onClose={() => setEditing(undefined)}
        form={editForm}
        fieldNames={['name', 'intervalMinutes', 'regionCode', 'enabled']}
        onSubmit={async (v) => {
          await call('patch', '/api/v1/catalog/harvest-sources/{id}', {
            params: { id: editing!.id },
            body: { name: v.name.trim(), intervalMinutes: v.intervalMinutes ?? null, regionCode: v.regionCode?.trim() || null, enabled: v.enabled },
          });
          await queryClient.invalidateQueries({ queryKey: KEY });
        }}
      >
        <SourceFields withUrl={false} />
        <Form.Item name="enabled" label={t('catalog.harvest.enabled')} valuePropName="checked" extra={t('catalog.harvest.enabledHelp')}>
          <Switch />
        </Form.Item>
      </FormModal>
    </section>
  );
}
