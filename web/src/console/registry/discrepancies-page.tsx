import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Empty, Form, Input, Radio, Space, Table } from 'antd';
import { useState } from 'react';
import { call } from '../../api/client';
import { useSession } from '../../api/session';
import { ErrorState, LoadingState } from '../../components/states';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../messages/zh-cn';
import { FormModal } from '../form-modal';
import { typedValue, ValueInput } from './discrepancy-modal';
import { displayValue, formatTime, label, useOrgName, useRegistries, type Discrepancy, type RegistryDefinition } from './registry-data';
import './registry.css';

type Status = Discrepancy['status'];
const STATUS_TONE: Record<Status, string> = { open: 'zt-flag-info', corrected: 'zt-flag-ok', confirmed: 'zt-flag-plain' };

interface ResolveValues {
  outcome: 'corrected' | 'confirmed';
  correctedValue?: string;
  note: string;
}

function ResolveModal({ item, def, onClose }: { item: Discrepancy | undefined; def: RegistryDefinition | undefined; onClose: () => void }) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<ResolveValues>();
  const queryClient = useQueryClient();
  const outcome = Form.useWatch('outcome', form);
  const attr = def?.attributes.find((a) => a.name === item?.attribute);
  return (
    <FormModal<ResolveValues>
      title={t('registry.queue.resolveTitle', { attribute: label(attr, item?.attribute ?? '', lang) })}
      open={!!item}
      onClose={onClose}
      form={form}
      fieldNames={['outcome', 'correctedValue', 'note']}
      initialValues={{ outcome: 'corrected' }}
      onSubmit={async (v) => {
        const corrected = typedValue(attr, v.correctedValue);
        await call('post', '/api/v1/registry-discrepancies/{id}/resolve', {
          params: { id: item!.id },
          body: { outcome: v.outcome, note: v.note ?? '', ...(v.outcome === 'corrected' && corrected !== null ? { correctedValue: corrected } : {}) },
        });
        await queryClient.invalidateQueries({ queryKey: ['registry-discrepancies'] });
      }}
    >
      <Form.Item name="outcome" label={t('registry.queue.resolution')} required>
        <Radio.Group options={(['corrected', 'confirmed'] as const).map((o) => ({ value: o, label: t(`registry.queue.${o}`) }))} optionType="button" />
      </Form.Item>
      {outcome !== 'confirmed' && (
        <Form.Item name="correctedValue" label={t('registry.queue.correctedValue')}>
          <ValueInput attr={attr} />
        </Form.Item>
      )}
      <Form.Item name="note" label={t('registry.queue.note')} required>
        <Input.TextArea rows={3} maxLength={1000} />
      </Form.Item>
    </FormModal>
  );
}

/**
 * 异议处理: reports addressed to my department (the source department resolves them — corrected or
 * confirmed — before the due date in working days) and the ones my department filed, with outcomes.
 */
export default function DiscrepanciesPage() {
  const { t, lang } = useI18n();
  const session = useSession();
  const registries = useRegistries();
  const orgName = useOrgName();
  const [status, setStatus] = useState<Status | 'all'>('open');
  const [resolving, setResolving] = useState<Discrepancy>();
  const list = useQuery({
    queryKey: ['registry-discrepancies', status],
    queryFn: () => call('get', '/api/v1/registry-discrepancies', { query: { limit: 200, ...(status !== 'all' ? { status } : {}) } }),
  });
  const myOrgId = session.data?.user?.orgId ?? null;
  const defOf = (key: string) => registries.data?.items.find((d) => d.key === key);
  const polygon = (points: number) => t('registry.record.polygon', { points });

  const table = (items: Discrepancy[], incoming: boolean) => (
    <Table<Discrepancy>
      rowKey="id"
      size="small"
      dataSource={items}
      pagination={false}
      locale={{ emptyText: <Empty description={t('registry.queue.empty')} /> }}
      columns={[
        {
          title: t('registry.queue.registry'),
          dataIndex: 'registry',
          render: (r: string) => {
            const d = defOf(r);
            return d ? (lang === 'en' ? d.name.en : d.name.zh) : r;
          },
        },
        { title: t('registry.queue.record'), dataIndex: 'recordKey', render: (k: string) => <span className="zt-mono">{k}</span> },
        {
          title: t('registry.discrepancy.attribute'),
          dataIndex: 'attribute',
          render: (a: string, d) =>
            label(
              defOf(d.registry)?.attributes.find((x) => x.name === a),
              a,
              lang,
            ),
        },
        {
          title: t('registry.discrepancy.believed'),
          dataIndex: 'believedValue',
          render: (v: unknown, d) =>
            displayValue(
              defOf(d.registry)?.attributes.find((x) => x.name === d.attribute),
              v,
              polygon,
            ),
        },
        { title: t('registry.discrepancy.evidence'), dataIndex: 'evidence' },
        incoming
          ? { title: t('registry.queue.filedBy'), dataIndex: 'filedByOrg', render: (id: string) => orgName(id) }
          : { title: t('registry.queue.sourceOrg'), dataIndex: 'sourceOrgId', render: (id: string) => orgName(id) },
        { title: t('registry.queue.filedAt'), dataIndex: 'filedAt', render: (v: string) => formatTime(v, lang) },
        {
          title: t('registry.queue.due'),
          dataIndex: 'dueAt',
          render: (v: string, d) => (
            <Space size="small" wrap>
              <span>{formatTime(v, lang)}</span>
              {d.overdue && <span className="zt-flag zt-flag-bad">{t('registry.queue.overdue')}</span>}
            </Space>
          ),
        },
        {
          title: t('registry.queue.status'),
          dataIndex: 'status',
          render: (s: Status) => <span className={`zt-flag ${STATUS_TONE[s]}`}>{t(`registry.queue.${s}` as MessageKey)}</span>,
        },
        {
          title: t('registry.queue.outcome'),
          key: 'outcome',
          render: (_: unknown, d) =>
            d.status === 'open' ? (
              incoming ? (
                <Button size="small" type="primary" onClick={() => setResolving(d)}>
                  {t('registry.queue.resolve')}
                </Button>
              ) : (
                '—'
              )
            ) : (
              <span>
                {d.resolutionNote} <span className="zt-muted">{formatTime(d.resolvedAt, lang)}</span>
                {d.resolvedSeq !== null && <span className="zt-muted">（{t('registry.queue.entry', { seq: d.resolvedSeq })}）</span>}
              </span>
            ),
        },
      ]}
    />
  );

  const items = list.data?.items ?? [];
  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('registry.queue.title')}</h1>
      <Space wrap align="center">
        <span id="zt-queue-filter">{t('registry.queue.filter')}</span>
        <Radio.Group
          aria-labelledby="zt-queue-filter"
          value={status}
          optionType="button"
          onChange={(e) => setStatus(e.target.value as Status | 'all')}
          options={(['open', 'corrected', 'confirmed', 'all'] as const).map((s) => ({ value: s, label: t(`registry.queue.${s}`) }))}
        />
      </Space>
      {list.isPending ? (
        <LoadingState />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <>
          <Card title={<h2 className="zt-card-title">{t('registry.queue.incoming')}</h2>} data-testid="queue-incoming">
            {table(
              items.filter((d) => d.sourceOrgId === myOrgId),
              true,
            )}
          </Card>
          <Card title={<h2 className="zt-card-title">{t('registry.queue.outgoing')}</h2>} data-testid="queue-outgoing">
            {table(
              items.filter((d) => d.filedByOrg === myOrgId),
              false,
            )}
          </Card>
        </>
      )}
      <ResolveModal item={resolving} def={resolving ? defOf(resolving.registry) : undefined} onClose={() => setResolving(undefined)} />
    </section>
  );
}
