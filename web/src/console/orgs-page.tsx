import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Empty, Form, Input, Segmented, Select, Space, Table, Tag, Tree } from 'antd';
import type { DataNode } from 'antd/es/tree';
import { useState } from 'react';
import { call } from '../api/client';
import type { BodyOf, Org } from '../api/types';
import { ErrorState, LoadingState } from '../components/states';
import { useI18n } from '../i18n';
import { useDepartments } from './departments';
import { DivisionPicker } from './division-picker';
import { FormModal } from './form-modal';

const PAGE_SIZE = 20;
type NewDepartment = Omit<BodyOf<'/api/v1/orgs', 'post'>, 'kind'>;
const DEPARTMENT_FIELDS = ['name', 'uscc', 'regionCode', 'parentId'] as const;

/** The system admin's form for a new government department; the server checks the USCC, the division code and the parent. */
function NewDepartmentModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<NewDepartment>();
  const queryClient = useQueryClient();
  const departments = useDepartments();
  const required = (key: Parameters<typeof t>[0]) => ({ required: true, message: t('form.required', { field: t(key) }) });
  return (
    <FormModal<NewDepartment>
      title={t('console.orgs.newTitle')}
      open={open}
      onClose={onClose}
      form={form}
      fieldNames={DEPARTMENT_FIELDS}
      onSubmit={async (values) => {
        const org = await call('post', '/api/v1/orgs', {
          body: {
            kind: 'department',
            name: values.name.trim(),
            uscc: values.uscc.trim().toUpperCase(),
            regionCode: values.regionCode.trim(),
            parentId: values.parentId ?? null,
          },
        });
        await queryClient.invalidateQueries({ queryKey: ['orgs'] });
        void message.success(t('console.orgs.created', { name: org.name }));
      }}
    >
      <Form.Item name="name" label={t('console.orgs.name')} rules={[required('console.orgs.name')]}>
        <Input maxLength={100} />
      </Form.Item>
      <Form.Item name="uscc" label={t('console.orgs.uscc')} rules={[required('console.orgs.uscc')]}>
        <Input maxLength={18} className="zt-mono" />
      </Form.Item>
      <Form.Item name="regionCode" label={t('console.orgs.regionCode')} extra={t('console.orgs.regionCode.help')} rules={[required('console.orgs.regionCode')]}>
        <Input maxLength={6} inputMode="numeric" className="zt-mono" />
      </Form.Item>
      <Form.Item label={t('console.division.pick')} htmlFor="zt-division-picker">
        <DivisionPicker id="zt-division-picker" onPick={(code) => form.setFields([{ name: 'regionCode', value: code, errors: [] }])} />
      </Form.Item>
      <Form.Item name="parentId" label={`${t('console.orgs.parent')}${t('form.optional')}`}>
        <Select
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          loading={departments.isPending}
          options={(departments.data ?? []).map((d) => ({ value: d.id, label: d.name }))}
        />
      </Form.Item>
    </FormModal>
  );
}

/** Departments under their parents (a parent outside the list, or none, puts a department at the top). */
function departmentTree(departments: Org[], inactive: string): DataNode[] {
  const byParent = new Map<string | null, Org[]>();
  const ids = new Set(departments.map((d) => d.id));
  for (const d of departments) {
    const parent = d.parentId && ids.has(d.parentId) ? d.parentId : null;
    byParent.set(parent, [...(byParent.get(parent) ?? []), d]);
  }
  const build = (parent: string | null, seen: Set<string>): DataNode[] =>
    (byParent.get(parent) ?? [])
      .filter((d) => !seen.has(d.id))
      .map((d) => ({
        key: d.id,
        title: (
          <span>
            {d.name} <code className="zt-muted">{d.uscc}</code> {d.status !== 'active' && <Tag>{inactive}</Tag>}
          </span>
        ),
        children: build(d.id, new Set(seen).add(d.id)),
      }));
  return build(null, new Set());
}

function DepartmentTree() {
  const { t } = useI18n();
  const departments = useDepartments();
  if (departments.isError) return <ErrorState error={departments.error} onRetry={() => void departments.refetch()} />;
  if (departments.isPending) return <LoadingState />;
  if (departments.data.length === 0) return <Empty description={t('console.orgs.treeEmpty')} />;
  return (
    <>
      {departments.data.length >= 500 && <p className="zt-muted">{t('console.orgs.treeTruncated', { n: 500 })}</p>}
      <Tree
        aria-label={t('console.orgs.view.tree')}
        treeData={departmentTree(departments.data, t('console.orgs.inactive'))}
        defaultExpandAll
        selectable={false}
      />
    </>
  );
}

/** Organisations (departments and enterprises), searchable and paged on the server; the system admin adds departments. */
export function OrgsPage({ canCreate }: { canCreate: boolean }) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [view, setView] = useState<'list' | 'tree'>('list');
  const orgs = useQuery({
    queryKey: ['orgs', q, page],
    queryFn: () => call('get', '/api/v1/orgs', { query: { q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE } }),
    placeholderData: keepPreviousData,
  });
  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('console.orgs.title')}</h1>
      <Space wrap>
        <Segmented<'list' | 'tree'>
          aria-label={t('console.orgs.view')}
          value={view}
          onChange={setView}
          options={[
            { value: 'list', label: t('console.orgs.view.list') },
            { value: 'tree', label: t('console.orgs.view.tree') },
          ]}
        />
        <Input.Search
          aria-label={t('console.orgs.search')}
          placeholder={t('console.orgs.search')}
          allowClear
          style={{ width: 320 }}
          onSearch={(v) => {
            setQ(v.trim());
            setPage(1);
          }}
        />
        {canCreate && (
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('console.orgs.new')}
          </Button>
        )}
      </Space>
      {canCreate && <NewDepartmentModal open={creating} onClose={() => setCreating(false)} />}
      {view === 'tree' ? (
        <DepartmentTree />
      ) : orgs.isError ? (
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
