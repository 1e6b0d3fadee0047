import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Checkbox, Descriptions, Empty, Form, Input, Modal, Radio, Select, Space, Table, Tabs, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { call } from '../../api/client';
import { ErrorState } from '../../components/states';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../messages/zh-cn';
import { APPLICATION_STATUSES, type Application } from '../../portal/open-data/catalog-types';
import { day } from '../../portal/open-data/resource-details';
import { useDepartments } from '../departments';
import { ReasonModal } from './reason-modal';
import { showServerErrors } from './server-errors';

const PAGE_SIZE = 20;
type Direction = 'in' | 'out';
type Status = Application['status'];
const STATUS_CLASS: Record<string, string> = { pending: 'zt-cat-warn', approved: 'zt-cat-ok', refused: 'zt-cat-bad' };

interface DecideValues {
  decision: 'approve' | 'refuse';
  items: string[];
  reason?: string;
}

/** The provider's answer: approve (all or fewer of the requested items) or refuse with reasons. */
function DecideModal({ app, onClose }: { app: Application | undefined; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<DecideValues>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const decision = Form.useWatch('decision', form);
  const resource = useQuery({
    queryKey: ['catalog', 'resource', app?.resource.id],
    queryFn: () => call('get', '/api/v1/catalog/resources/{id}', { params: { id: app!.resource.id } }),
    enabled: !!app,
  });
  // One form instance serves every application: reset it to this one's request when it opens.
  useEffect(() => {
    if (app) form.setFieldsValue({ decision: 'approve', items: app.items, reason: undefined });
  }, [app, form]);
  const nameOf = new Map((resource.data?.items ?? []).map((i) => [i.field, i.name]));
  const submit = async (v: DecideValues) => {
    if (!app) return;
    setBusy(true);
    setError(undefined);
    try {
      const body =
        v.decision === 'approve'
          ? { decision: v.decision, items: v.items ?? [], ...(v.reason?.trim() ? { reason: v.reason.trim() } : {}) }
          : { decision: v.decision, reason: v.reason ?? '' };
      const done = await call('post', '/api/v1/catalog/applications/{id}/decision', { params: { id: app.id }, body });
      await queryClient.invalidateQueries({ queryKey: ['catalog', 'applications'] });
      void message.success(t(done.status === 'approved' ? 'catalog.apps.approvedMsg' : 'catalog.apps.refusedMsg', { name: app.resource.name }));
      setError(undefined);
      onClose();
    } catch (e) {
      setError(showServerErrors(form, e, ['decision', 'items', 'reason'], (f) => (/^items\.\d+$/.test(f) ? 'items' : f)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title={app ? t('catalog.apps.decideTitle', { name: app.resource.name }) : ''}
      open={!!app}
      onCancel={() => {
        setError(undefined);
        onClose();
      }}
      okText={t('catalog.apps.decideOk')}
      cancelText={t('form.cancel')}
      okButtonProps={{ htmlType: 'submit', loading: busy, form: 'zt-decide-form' }}
      forceRender
      width={600}
    >
      {app && (
        <Descriptions column={1} size="small" className="zt-gap">
          <Descriptions.Item label={t('catalog.apply.purpose')}>{app.purpose}</Descriptions.Item>
          <Descriptions.Item label={t('catalog.apply.legalBasis')}>{app.legalBasis}</Descriptions.Item>
          <Descriptions.Item label={t('catalog.apply.subsystem')}>
            <code>{app.consumerSubsystem}</code>
          </Descriptions.Item>
          <Descriptions.Item label={t('catalog.apps.due')}>{day(app.dueAt)}</Descriptions.Item>
        </Descriptions>
      )}
      {error && <Alert type="error" role="alert" showIcon title={error} className="zt-gap" />}
      <Form<DecideValues>
        id="zt-decide-form"
        form={form}
        layout="vertical"
        onFinish={submit}
        disabled={busy}
        initialValues={{ decision: 'approve', items: [] }}
      >
        <Form.Item name="decision" label={t('catalog.apps.decision')}>
          <Radio.Group
            options={[
              { value: 'approve', label: t('catalog.apps.approve') },
              { value: 'refuse', label: t('catalog.apps.refuse') },
            ]}
          />
        </Form.Item>
        {decision !== 'refuse' && (
          <Form.Item name="items" label={t('catalog.apps.approvedItems')} extra={t('catalog.apps.fewerHelp')}>
            <Checkbox.Group options={(app?.items ?? []).map((f) => ({ value: f, label: nameOf.has(f) ? `${nameOf.get(f)}（${f}）` : f }))} />
          </Form.Item>
        )}
        <Form.Item name="reason" label={decision === 'refuse' ? t('catalog.apps.refuseReason') : `${t('catalog.apps.note')}${t('form.optional')}`}>
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/**
 * 共享申请: applications to the department (收到, answer within 10 working days, overdue flagged)
 * and from it (发出), with answer and withdraw. A withdrawal of an approved application revokes
 * its exchange access rights.
 */
export function ApplicationsPage({ canDecide, canWithdraw }: { canDecide: boolean; canWithdraw: boolean }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const direction: Direction = params.get('direction') === 'out' ? 'out' : 'in';
  const [status, setStatus] = useState<Status>();
  const [page, setPage] = useState(1);
  const [deciding, setDeciding] = useState<Application>();
  const [withdrawing, setWithdrawing] = useState<Application>();
  const departments = useDepartments();
  const orgName = new Map((departments.data ?? []).map((d) => [d.id, d.name]));
  const list = useQuery({
    queryKey: ['catalog', 'applications', direction, status, page],
    queryFn: () => call('get', '/api/v1/catalog/applications', { query: { direction, status, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE } }),
    placeholderData: keepPreviousData,
  });

  const table = (
    <>
      <Space wrap>
        <Select
          aria-label={t('catalog.field.status')}
          allowClear
          placeholder={t('catalog.apps.allStatuses')}
          style={{ width: 160 }}
          value={status}
          onChange={(v: Status | undefined) => {
            setStatus(v);
            setPage(1);
          }}
          options={APPLICATION_STATUSES.map((s) => ({ value: s, label: t(`catalog.appStatus.${s}` as MessageKey) }))}
        />
        <span role="status">
          {list.data ? t('catalog.search.total', { n: list.data.total }) : ''}
          {list.data && list.data.overdue > 0 && <span className="zt-cat-overdue"> · {t('catalog.apps.overdueCount', { n: list.data.overdue })}</span>}
        </span>
      </Space>
      {list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <Table<Application>
          rowKey="id"
          loading={list.isFetching}
          dataSource={list.data?.items ?? []}
          locale={{ emptyText: <Empty description={t(direction === 'in' ? 'catalog.apps.emptyIn' : 'catalog.apps.emptyOut')} /> }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, showSizeChanger: false, onChange: setPage }}
          scroll={{ x: 1100 }}
          expandable={{
            expandedRowRender: (a) => (
              <Descriptions column={{ xs: 1, md: 2 }} size="small">
                <Descriptions.Item label={t('catalog.apply.legalBasis')}>{a.legalBasis}</Descriptions.Item>
                <Descriptions.Item label={t('catalog.apply.subsystem')}>
                  <code>{a.consumerSubsystem}</code>
                </Descriptions.Item>
                <Descriptions.Item label={t('catalog.apps.period')}>
                  {day(a.validFrom)} — {a.validUntil ? day(a.validUntil) : t('catalog.apps.noEnd')}
                </Descriptions.Item>
                <Descriptions.Item label={t('catalog.apps.decidedAt')}>{a.decidedAt ? new Date(a.decidedAt).toLocaleString(lang) : '—'}</Descriptions.Item>
                <Descriptions.Item label={t('catalog.apps.reason')}>{a.reason ?? '—'}</Descriptions.Item>
                <Descriptions.Item label={t('catalog.apps.accessRights')}>{a.accessRightIds.length ? a.accessRightIds.join('、') : '—'}</Descriptions.Item>
              </Descriptions>
            ),
            expandRowByClick: false,
          }}
          columns={[
            {
              title: t('catalog.apps.resource'),
              key: 'resource',
              render: (_: unknown, a) => (
                <span>
                  <Link to={direction === 'in' ? `/console/catalog-mine/${a.resource.id}` : `/console/catalog/resources/${a.resource.id}`}>
                    {a.resource.name}
                  </Link>
                  <br />
                  <span className="zt-mono zt-muted">{a.resource.code}</span>
                </span>
              ),
            },
            {
              title: t(direction === 'in' ? 'catalog.apps.consumer' : 'catalog.apps.provider'),
              key: 'org',
              render: (_: unknown, a) => {
                const id = direction === 'in' ? a.consumerOrgId : a.providerOrgId;
                return orgName.get(id) ?? id;
              },
            },
            { title: t('catalog.apply.purpose'), dataIndex: 'purpose' },
            {
              title: t('catalog.apps.items'),
              key: 'items',
              render: (_: unknown, a) => (
                <span>
                  {a.items.join('、')}
                  {a.approvedItems && a.approvedItems.length < a.items.length && (
                    <>
                      <br />
                      {t('catalog.apps.approvedOnly', { items: a.approvedItems.join('、') })}
                    </>
                  )}
                </span>
              ),
            },
            {
              title: t('catalog.field.status'),
              key: 'status',
              render: (_: unknown, a) => (
                <Space size={4} wrap>
                  <Tag className={STATUS_CLASS[a.status]}>{t(`catalog.appStatus.${a.status}` as MessageKey)}</Tag>
                  {a.overdue && <Tag className="zt-cat-bad">{t('catalog.apps.overdue')}</Tag>}
                </Space>
              ),
            },
            {
              title: t('catalog.apps.due'),
              key: 'due',
              render: (_: unknown, a) => (a.status === 'pending' ? <span className={a.overdue ? 'zt-cat-overdue' : undefined}>{day(a.dueAt)}</span> : '—'),
            },
            { title: t('catalog.apps.created'), dataIndex: 'createdAt', render: (v: string) => day(v) },
            {
              title: t('catalog.actions'),
              key: 'actions',
              render: (_: unknown, a) => (
                <Space size={0} wrap>
                  {direction === 'in' && a.status === 'pending' && canDecide && (
                    <Button
                      autoInsertSpace={false}
                      type="link"
                      size="small"
                      onClick={() => setDeciding(a)}
                      aria-label={`${t('catalog.apps.decide')} ${a.resource.name}`}
                    >
                      {t('catalog.apps.decide')}
                    </Button>
                  )}
                  {(a.status === 'pending' || a.status === 'approved') && canWithdraw && (
                    <Button
                      autoInsertSpace={false}
                      type="link"
                      size="small"
                      danger
                      onClick={() => setWithdrawing(a)}
                      aria-label={`${t('catalog.apps.withdraw')} ${a.resource.name}`}
                    >
                      {t('catalog.apps.withdraw')}
                    </Button>
                  )}
                </Space>
              ),
            },
          ]}
        />
      )}
    </>
  );

  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('catalog.apps.title')}</h1>
      <Tabs
        activeKey={direction}
        onChange={(k) => {
          setParams(k === 'out' ? { direction: 'out' } : {});
          setPage(1);
        }}
        items={[
          { key: 'in', label: t('catalog.apps.in'), children: direction === 'in' ? table : null },
          { key: 'out', label: t('catalog.apps.out'), children: direction === 'out' ? table : null },
        ]}
      />
      <DecideModal app={deciding} onClose={() => setDeciding(undefined)} />
      <ReasonModal
        title={t('catalog.apps.withdrawTitle', { name: withdrawing?.resource.name ?? '' })}
        label={t('catalog.apps.withdrawReason')}
        okText={t('catalog.apps.withdraw')}
        open={!!withdrawing}
        onClose={() => setWithdrawing(undefined)}
        onSubmit={async (reason) => {
          if (!withdrawing) return;
          await call('post', '/api/v1/catalog/applications/{id}/withdraw', { params: { id: withdrawing.id }, body: { reason } });
          await queryClient.invalidateQueries({ queryKey: ['catalog', 'applications'] });
          void message.success(t('catalog.apps.withdrawn', { name: withdrawing.resource.name }));
        }}
      />
    </section>
  );
}
