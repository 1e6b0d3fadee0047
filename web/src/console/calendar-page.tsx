import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Empty, Form, Input, InputNumber, Popconfirm, Radio, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { call } from '../api/client';
import type { CalendarEntry } from '../api/types';
import { applyServerErrors } from '../components/form-errors';
import { ErrorState } from '../components/states';
import { useI18n } from '../i18n';
import { FormModal } from './form-modal';

type EntryForm = { date: string; kind: 'holiday' | 'workday'; name: string };
const WEEKDAYS = { 'zh-CN': ['日', '一', '二', '三', '四', '五', '六'], en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] };

/** Today in Beijing time, YYYY-MM-DD (the calendar's days are Shanghai days). */
function shanghaiToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}
const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();

function EntryModal({ entry, open, onClose }: { entry: CalendarEntry | undefined; open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<EntryForm>();
  const queryClient = useQueryClient();
  const required = (key: Parameters<typeof t>[0]) => ({ required: true, message: t('form.required', { field: t(key) }) });
  return (
    <FormModal<EntryForm>
      key={entry?.date ?? 'new'}
      title={t('console.cal.entryTitle')}
      open={open}
      onClose={onClose}
      form={form}
      fieldNames={['date', 'kind', 'name']}
      initialValues={entry ? { date: entry.date, kind: entry.kind as EntryForm['kind'], name: entry.name } : { kind: 'holiday' }}
      onSubmit={async (v) => {
        await call('put', '/api/v1/calendar/entries/{date}', { params: { date: v.date }, body: { kind: v.kind, name: v.name.trim() } });
        await queryClient.invalidateQueries({ queryKey: ['calendar'] });
        void message.success(t('form.saved'));
      }}
    >
      <Form.Item name="date" label={t('console.cal.date')} rules={[required('console.cal.date')]}>
        <Input type="date" disabled={!!entry} />
      </Form.Item>
      <Form.Item name="kind" label={t('console.cal.kind')}>
        <Radio.Group
          options={[
            { value: 'holiday', label: t('console.cal.holiday') },
            { value: 'workday', label: t('console.cal.workday') },
          ]}
        />
      </Form.Item>
      <Form.Item name="name" label={t('console.cal.name')} rules={[required('console.cal.name')]}>
        <Input maxLength={40} placeholder="春节 / 国庆节调休" />
      </Form.Item>
    </FormModal>
  );
}

/** "Add N working days": the same arithmetic the platform uses for statutory deadlines. */
function Calculator() {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<{ start: string; n: number }>();
  const compute = useMutation({
    mutationFn: (v: { start: string; n: number }) => call('get', '/api/v1/calendar/add', { query: v }),
    onError: (e) => applyServerErrors(form, e, ['start', 'n']),
  });
  return (
    <Card size="small" title={<h2 className="zt-card-title">{t('console.cal.calc')}</h2>}>
      <Form form={form} layout="inline" initialValues={{ start: shanghaiToday(), n: 20 }} onFinish={(v) => compute.mutate(v)}>
        <Form.Item name="start" label={t('console.cal.start')} rules={[{ required: true, message: t('form.required', { field: t('console.cal.start') }) }]}>
          <Input type="date" />
        </Form.Item>
        <Form.Item name="n" label={t('console.cal.n')} rules={[{ required: true, message: t('form.required', { field: t('console.cal.n') }) }]}>
          <InputNumber min={0} max={3650} />
        </Form.Item>
        <Form.Item>
          <Button htmlType="submit" loading={compute.isPending}>
            {t('console.cal.compute')}
          </Button>
        </Form.Item>
      </Form>
      {compute.data && (
        <p role="status" className="zt-result">
          {t('console.cal.due', {
            n: compute.data.n,
            due: `${compute.data.due}（${lang === 'en' ? '' : '星期'}${WEEKDAYS[lang][weekday(compute.data.due)]}）`,
            dueAt: new Date(compute.data.dueAt).toLocaleString(lang, { timeZone: 'Asia/Shanghai' }),
          })}
        </p>
      )}
      {compute.isError && !form.getFieldsError().some((f) => f.errors.length > 0) && <ErrorState error={compute.error} />}
    </Card>
  );
}

/** The system admin's working-day calendar: a year's holidays and make-up days, edited in place, and the deadline calculator. */
export function CalendarPage({ canEdit }: { canEdit: boolean }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const thisYear = Number(shanghaiToday().slice(0, 4));
  const [year, setYear] = useState(thisYear);
  const [editing, setEditing] = useState<CalendarEntry | 'new'>();
  const entries = useQuery({ queryKey: ['calendar', year], queryFn: () => call('get', '/api/v1/calendar/entries', { query: { year } }) });
  const remove = useMutation({
    mutationFn: (date: string) => call('delete', '/api/v1/calendar/entries/{date}', { params: { date } }),
    onSuccess: (_r, date) => void message.success(t('console.cal.deleted', { date })),
    onError: (e) => void message.error(e instanceof Error ? e.message : String(e)),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['calendar'] }),
  });
  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('console.cal.title')}</h1>
      <Calculator />
      <Space wrap>
        <Select
          aria-label={t('console.cal.year')}
          value={year}
          onChange={setYear}
          style={{ width: 120 }}
          options={Array.from({ length: 7 }, (_, i) => thisYear - 3 + i).map((y) => ({ value: y, label: String(y) }))}
        />
        {canEdit && (
          <Button type="primary" onClick={() => setEditing('new')}>
            {t('console.cal.add')}
          </Button>
        )}
      </Space>
      {canEdit && <EntryModal entry={editing === 'new' ? undefined : editing} open={!!editing} onClose={() => setEditing(undefined)} />}
      {entries.isError ? (
        <ErrorState error={entries.error} onRetry={() => void entries.refetch()} />
      ) : (
        <Table<CalendarEntry>
          rowKey="date"
          size="small"
          loading={entries.isFetching}
          dataSource={entries.data ?? []}
          pagination={false}
          locale={{ emptyText: <Empty description={t('console.cal.empty')} /> }}
          columns={[
            { title: t('console.cal.date'), dataIndex: 'date', render: (v: string) => <span className="zt-mono">{v}</span> },
            { title: t('console.cal.weekday'), key: 'weekday', render: (_: unknown, e) => WEEKDAYS[lang][weekday(e.date)] },
            {
              title: t('console.cal.kind'),
              dataIndex: 'kind',
              render: (k: string) => (
                <Tag color={k === 'holiday' ? 'error' : 'default'}>{t(k === 'holiday' ? 'console.cal.holiday' : 'console.cal.workday')}</Tag>
              ),
            },
            { title: t('console.cal.name'), dataIndex: 'name' },
            { title: t('console.cal.source'), dataIndex: 'source', render: (v: string | undefined) => v ?? '—' },
            ...(canEdit
              ? [
                  {
                    title: t('console.users.actions'),
                    key: 'actions',
                    render: (_: unknown, e: CalendarEntry) => (
                      <Space size={0}>
                        <Button type="link" size="small" onClick={() => setEditing(e)} aria-label={`${t('console.cal.edit')} ${e.date}`}>
                          {t('console.cal.edit')}
                        </Button>
                        <Popconfirm
                          title={t('console.cal.confirmDelete', { date: e.date })}
                          okText={t('console.cal.delete')}
                          cancelText={t('form.cancel')}
                          onConfirm={() => remove.mutate(e.date)}
                        >
                          <Button type="link" size="small" danger aria-label={`${t('console.cal.delete')} ${e.date}`}>
                            {t('console.cal.delete')}
                          </Button>
                        </Popconfirm>
                      </Space>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
    </section>
  );
}
