import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Checkbox, Empty, Form, Input, Popconfirm, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { call } from '../api/client';
import type { BodyOf, Role, User } from '../api/types';
import { ErrorState } from '../components/states';
import { useI18n } from '../i18n';
import type { MessageKey } from '../messages/zh-cn';
import { useDepartments } from './departments';
import { FormModal } from './form-modal';

const PAGE_SIZE = 20;
export const ROLES: readonly Role[] = ['system-admin', 'security-admin', 'audit-admin', 'dept-admin', 'dept-staff', 'catalog-reviewer'];
type NewStaff = BodyOf<'/api/v1/users', 'post'>;
const STAFF_FIELDS = ['username', 'displayName', 'orgId', 'password', 'roles', 'phone'] as const;

function useRoleOptions() {
  const { t } = useI18n();
  return ROLES.map((r) => ({ value: r, label: t(`role.${r}` as MessageKey) }));
}

function NewStaffModal({ open, onClose, orgId }: { open: boolean; onClose: () => void; orgId: string | undefined }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<NewStaff>();
  const queryClient = useQueryClient();
  const departments = useDepartments();
  const roleOptions = useRoleOptions();
  const required = (key: MessageKey) => ({ required: true, message: t('form.required', { field: t(key) }) });
  return (
    <FormModal<NewStaff>
      title={t('console.users.newTitle')}
      open={open}
      onClose={onClose}
      form={form}
      fieldNames={STAFF_FIELDS}
      initialValues={{ roles: ['dept-staff'], ...(orgId ? { orgId } : {}) }}
      onSubmit={async (values) => {
        const user = await call('post', '/api/v1/users', {
          body: {
            username: values.username.trim(),
            displayName: values.displayName.trim(),
            orgId: values.orgId,
            password: values.password,
            roles: values.roles ?? [],
            ...(values.phone ? { phone: values.phone.trim() } : {}),
          },
        });
        await queryClient.invalidateQueries({ queryKey: ['users'] });
        void message.success(t('console.users.created', { name: user.displayName }));
      }}
    >
      <Form.Item name="username" label={t('console.users.username')} rules={[required('console.users.username')]}>
        <Input maxLength={32} autoComplete="off" />
      </Form.Item>
      <Form.Item name="displayName" label={t('console.users.name')} rules={[required('console.users.name')]}>
        <Input maxLength={50} />
      </Form.Item>
      <Form.Item name="orgId" label={t('console.users.org')} rules={[required('console.users.org')]}>
        <Select
          showSearch={{ optionFilterProp: 'label' }}
          loading={departments.isPending}
          options={(departments.data ?? []).map((d) => ({ value: d.id, label: d.name }))}
        />
      </Form.Item>
      <Form.Item name="password" label={t('console.users.password')} extra={t('signup.password.help')} rules={[required('console.users.password')]}>
        <Input.Password autoComplete="new-password" maxLength={128} />
      </Form.Item>
      <Form.Item name="roles" label={t('console.users.roles')}>
        <Checkbox.Group options={roleOptions} />
      </Form.Item>
      <Form.Item name="phone" label={`${t('console.users.phone')}${t('form.optional')}`}>
        <Input maxLength={11} inputMode="tel" />
      </Form.Item>
    </FormModal>
  );
}

function RolesModal({ user, onClose }: { user: User | undefined; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ roles: Role[] }>();
  const queryClient = useQueryClient();
  const roleOptions = useRoleOptions();
  return (
    <FormModal<{ roles: Role[] }>
      key={user?.id ?? 'none'}
      title={t('console.users.editRolesTitle', { name: user?.displayName ?? '' })}
      open={!!user}
      onClose={onClose}
      form={form}
      fieldNames={['roles']}
      initialValues={{ roles: user?.roles ?? [] }}
      onSubmit={async ({ roles }) => {
        if (!user) return;
        await call('put', '/api/v1/users/{id}/roles', { params: { id: user.id }, body: { roles } });
        await queryClient.invalidateQueries({ queryKey: ['users'] });
        void message.success(t('console.users.rolesSaved', { name: user.displayName }));
      }}
    >
      <Form.Item name="roles" label={t('console.users.roles')}>
        <Checkbox.Group options={roleOptions} />
      </Form.Item>
    </FormModal>
  );
}

/** Staff per department: search and paging on the server; create, roles, disable/enable and unlock by what the role allows. */
export function UsersPage({ allowed }: { allowed: ReadonlySet<string> }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const departments = useDepartments();
  const [orgId, setOrgId] = useState<string>();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User>();
  const [busyId, setBusyId] = useState<string>();
  const users = useQuery({
    queryKey: ['users', orgId, q, page],
    queryFn: () => call('get', '/api/v1/users', { query: { kind: 'staff', orgId, q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE } }),
    placeholderData: keepPreviousData,
  });
  const orgName = new Map((departments.data ?? []).map((d) => [d.id, d.name]));

  /** Runs one row action; its error (e.g. AUTH_FORBIDDEN for another department) shows as a message. */
  const act = async (user: User, run: () => Promise<unknown>, done: MessageKey) => {
    setBusyId(user.id);
    try {
      await run();
      await queryClient.invalidateQueries({ queryKey: ['users'] });
      void message.success(t(done, { name: user.displayName }));
    } catch (e) {
      void message.error(e instanceof Error ? e.message : String(e));
    } finally {
      setBusyId(undefined);
    }
  };

  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('console.users.title')}</h1>
      <Space wrap>
        <Select
          aria-label={t('console.users.org')}
          style={{ width: 260 }}
          allowClear
          placeholder={t('console.users.allOrgs')}
          showSearch={{ optionFilterProp: 'label' }}
          loading={departments.isPending}
          value={orgId}
          onChange={(v: string | undefined) => {
            setOrgId(v);
            setPage(1);
          }}
          options={(departments.data ?? []).map((d) => ({ value: d.id, label: d.name }))}
        />
        <Input.Search
          aria-label={t('console.users.search')}
          placeholder={t('console.users.search')}
          allowClear
          style={{ width: 260 }}
          onSearch={(v) => {
            setQ(v.trim());
            setPage(1);
          }}
        />
        {allowed.has('identity.user.create') && (
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('console.users.new')}
          </Button>
        )}
      </Space>
      <NewStaffModal open={creating} onClose={() => setCreating(false)} orgId={orgId} />
      <RolesModal user={editing} onClose={() => setEditing(undefined)} />
      {users.isError ? (
        <ErrorState error={users.error} onRetry={() => void users.refetch()} />
      ) : (
        <Table<User>
          rowKey="id"
          loading={users.isFetching}
          dataSource={users.data?.items ?? []}
          locale={{ emptyText: <Empty description={t('console.users.empty')} /> }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: users.data?.total ?? 0, showSizeChanger: false, onChange: setPage }}
          scroll={{ x: 900 }}
          columns={[
            { title: t('console.users.username'), dataIndex: 'username', render: (v: string) => <code>{v}</code> },
            { title: t('console.users.name'), dataIndex: 'displayName' },
            { title: t('console.users.org'), dataIndex: 'orgId', render: (v: string | null) => (v ? (orgName.get(v) ?? v) : '—') },
            {
              title: t('console.users.roles'),
              dataIndex: 'roles',
              render: (roles: Role[]) => roles.map((r) => <Tag key={r}>{t(`role.${r}` as MessageKey)}</Tag>),
            },
            {
              title: t('console.users.status'),
              key: 'status',
              render: (_: unknown, u) => (
                <Space size={4}>
                  <Tag className={u.status === 'active' ? undefined : 'zt-tag-off'}>
                    {t(u.status === 'active' ? 'console.users.active' : 'console.users.disabled')}
                  </Tag>
                  {u.locked && <Tag color="error">{t('console.users.locked')}</Tag>}
                </Space>
              ),
            },
            {
              title: t('console.users.lastLogin'),
              dataIndex: 'lastLoginAt',
              render: (v: string | null) => (v ? new Date(v).toLocaleString(lang) : '—'),
            },
            {
              title: t('console.users.actions'),
              key: 'actions',
              render: (_: unknown, u) => (
                <Space size={0} wrap>
                  {(allowed.has('identity.user.assign-role') || allowed.has('identity.user.update')) && (
                    <Button type="link" size="small" onClick={() => setEditing(u)} aria-label={`${t('console.users.editRoles')} ${u.username}`}>
                      {t('console.users.editRoles')}
                    </Button>
                  )}
                  {allowed.has('identity.user.update') &&
                    (u.status === 'active' ? (
                      <Popconfirm
                        title={t('console.users.confirmDisable', { name: u.displayName })}
                        okText={t('console.users.disable')}
                        cancelText={t('form.cancel')}
                        onConfirm={() =>
                          act(u, () => call('patch', '/api/v1/users/{id}', { params: { id: u.id }, body: { status: 'disabled' } }), 'console.users.statusSaved')
                        }
                      >
                        <Button type="link" size="small" danger loading={busyId === u.id} aria-label={`${t('console.users.disable')} ${u.username}`}>
                          {t('console.users.disable')}
                        </Button>
                      </Popconfirm>
                    ) : (
                      <Button
                        type="link"
                        size="small"
                        loading={busyId === u.id}
                        aria-label={`${t('console.users.enable')} ${u.username}`}
                        onClick={() =>
                          act(u, () => call('patch', '/api/v1/users/{id}', { params: { id: u.id }, body: { status: 'active' } }), 'console.users.statusSaved')
                        }
                      >
                        {t('console.users.enable')}
                      </Button>
                    ))}
                  {u.locked && allowed.has('identity.user.unlock') && (
                    <Button
                      type="link"
                      size="small"
                      loading={busyId === u.id}
                      aria-label={`${t('console.users.unlock')} ${u.username}`}
                      onClick={() => act(u, () => call('post', '/api/v1/users/{id}/unlock', { params: { id: u.id } }), 'console.users.unlocked')}
                    >
                      {t('console.users.unlock')}
                    </Button>
                  )}
                </Space>
              ),
            },
          ]}
        />
      )}
    </section>
  );
}
