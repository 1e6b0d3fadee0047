import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Empty, Form, Input, Popconfirm, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { call } from '../../api/client';
import { ErrorState } from '../../components/states';
import { useI18n } from '../../i18n';
import type { CatalogClass, Term } from '../../portal/open-data/catalog-types';
import { FormModal } from '../form-modal';

type ClassNode = CatalogClass & { children?: ClassNode[] };

/** The flat class list as a tree (children under their parent), codes in order. */
function toTree(classes: CatalogClass[]): ClassNode[] {
  const nodes = new Map<string, ClassNode>(classes.map((c) => [c.code, { ...c }]));
  const roots: ClassNode[] = [];
  for (const c of [...nodes.values()].sort((a, b) => (a.code < b.code ? -1 : 1))) {
    const parent = c.parentCode ? nodes.get(c.parentCode) : undefined;
    if (parent) (parent.children ??= []).push(c);
    else roots.push(c);
  }
  return roots;
}

/** Add a child class or rename one. */
function ClassModal({ mode, target, onClose }: { mode: 'add' | 'rename'; target: CatalogClass | undefined; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ name: string; code?: string }>();
  return (
    <FormModal<{ name: string; code?: string }>
      key={`${mode}-${target?.code ?? ''}`}
      title={target ? t(mode === 'add' ? 'catalog.tax.addTitle' : 'catalog.tax.renameTitle', { name: `${target.code} ${target.name}` }) : ''}
      open={!!target}
      onClose={onClose}
      form={form}
      fieldNames={['name', 'code', 'parentCode']}
      initialValues={mode === 'rename' ? { name: target?.name ?? '' } : {}}
      onSubmit={async (v) => {
        if (!target) return;
        if (mode === 'add')
          await call('post', '/api/v1/catalog/classes', {
            body: { parentCode: target.code, name: v.name.trim(), ...(v.code?.trim() ? { code: v.code.trim() } : {}) },
          });
        else await call('patch', '/api/v1/catalog/classes/{code}', { params: { code: target.code }, body: { name: v.name.trim() } });
        await queryClient.invalidateQueries({ queryKey: ['catalog', 'classes'] });
        void message.success(t('catalog.tax.saved'));
      }}
    >
      <Form.Item
        name="name"
        label={t('catalog.tax.className')}
        rules={[{ required: true, whitespace: true, message: t('form.required', { field: t('catalog.tax.className') }) }]}
      >
        <Input maxLength={50} />
      </Form.Item>
      {mode === 'add' && (
        <Form.Item name="code" label={`${t('catalog.tax.classCode')}${t('form.optional')}`} extra={t('catalog.tax.codeHelp')}>
          <Input maxLength={9} inputMode="numeric" />
        </Form.Item>
      )}
    </FormModal>
  );
}

function ClassesCard({ canManage }: { canManage: boolean }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const classes = useQuery({ queryKey: ['catalog', 'classes'], queryFn: () => call('get', '/api/v1/catalog/classes') });
  const [editing, setEditing] = useState<{ mode: 'add' | 'rename'; target: CatalogClass }>();
  const remove = async (c: CatalogClass) => {
    try {
      await call('delete', '/api/v1/catalog/classes/{code}', { params: { code: c.code } });
      await queryClient.invalidateQueries({ queryKey: ['catalog', 'classes'] });
      void message.success(t('catalog.tax.deleted', { name: c.name }));
    } catch (e) {
      void message.error(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <Card title={<h2 className="zt-card-title">{t('catalog.tax.classes')}</h2>} size="small">
      {classes.isError ? (
        <ErrorState error={classes.error} onRetry={() => void classes.refetch()} />
      ) : (
        <Table<ClassNode>
          rowKey="code"
          size="small"
          loading={classes.isPending}
          dataSource={toTree(classes.data ?? [])}
          pagination={false}
          locale={{ emptyText: <Empty description={t('catalog.tax.noClasses')} /> }}
          columns={[
            { title: t('catalog.tax.classCode'), dataIndex: 'code', render: (v: string) => <span className="zt-mono">{v}</span> },
            { title: t('catalog.tax.className'), dataIndex: 'name' },
            { title: t('catalog.tax.level'), dataIndex: 'levelName' },
            ...(canManage
              ? [
                  {
                    title: t('catalog.actions'),
                    key: 'actions',
                    render: (_: unknown, c: ClassNode) => (
                      <Space size={0} wrap>
                        {c.level < 4 && (
                          <Button
                            autoInsertSpace={false}
                            type="link"
                            size="small"
                            onClick={() => setEditing({ mode: 'add', target: c })}
                            aria-label={`${t('catalog.tax.addChild')} ${c.name}`}
                          >
                            {t('catalog.tax.addChild')}
                          </Button>
                        )}
                        <Button
                          autoInsertSpace={false}
                          type="link"
                          size="small"
                          onClick={() => setEditing({ mode: 'rename', target: c })}
                          aria-label={`${t('catalog.tax.rename')} ${c.name}`}
                        >
                          {t('catalog.tax.rename')}
                        </Button>
                        {c.level > 1 && (
                          <Popconfirm
                            title={t('catalog.tax.deleteConfirm', { name: c.name })}
                            okText={t('catalog.tax.delete')}
                            cancelText={t('form.cancel')}
                            onConfirm={() => remove(c)}
                          >
                            <Button autoInsertSpace={false} type="link" size="small" danger aria-label={`${t('catalog.tax.delete')} ${c.name}`}>
                              {t('catalog.tax.delete')}
                            </Button>
                          </Popconfirm>
                        )}
                      </Space>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      {editing && <ClassModal mode={editing.mode} target={editing.target} onClose={() => setEditing(undefined)} />}
    </Card>
  );
}

interface TermValues {
  preferred: string;
  synonyms: string[];
  broaderId?: string | null;
}

function TermModal({ term, open, terms, onClose }: { term: Term | undefined; open: boolean; terms: Term[]; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<TermValues>();
  return (
    <FormModal<TermValues>
      key={term?.id ?? 'new'}
      title={term ? t('catalog.tax.editTerm', { name: term.preferred }) : t('catalog.tax.newTerm')}
      open={open}
      onClose={onClose}
      form={form}
      fieldNames={['preferred', 'synonyms', 'broaderId']}
      initialValues={term ? { preferred: term.preferred, synonyms: term.synonyms, broaderId: term.broaderId } : { synonyms: [] }}
      onSubmit={async (v) => {
        const body = { preferred: v.preferred.trim(), synonyms: v.synonyms ?? [], broaderId: v.broaderId ?? null };
        if (term) await call('put', '/api/v1/catalog/terms/{id}', { params: { id: term.id }, body });
        else await call('post', '/api/v1/catalog/terms', { body });
        await queryClient.invalidateQueries({ queryKey: ['catalog', 'terms'] });
        void message.success(t('catalog.tax.saved'));
      }}
    >
      <Form.Item
        name="preferred"
        label={t('catalog.tax.preferred')}
        rules={[{ required: true, whitespace: true, message: t('form.required', { field: t('catalog.tax.preferred') }) }]}
      >
        <Input maxLength={30} />
      </Form.Item>
      <Form.Item name="synonyms" label={t('catalog.tax.synonyms')} extra={t('catalog.form.tagsHelp')}>
        <Select mode="tags" open={false} suffixIcon={null} tokenSeparators={[',', '，', '、', ' ']} />
      </Form.Item>
      <Form.Item name="broaderId" label={`${t('catalog.tax.broader')}${t('form.optional')}`}>
        <Select
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          options={terms.filter((x) => x.id !== term?.id).map((x) => ({ value: x.id, label: x.preferred }))}
        />
      </Form.Item>
    </FormModal>
  );
}

function TermsCard({ canManage }: { canManage: boolean }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const terms = useQuery({ queryKey: ['catalog', 'terms'], queryFn: () => call('get', '/api/v1/catalog/terms') });
  const [editing, setEditing] = useState<Term | 'new'>();
  const byId = new Map((terms.data ?? []).map((x) => [x.id, x.preferred]));
  const remove = async (term: Term) => {
    try {
      await call('delete', '/api/v1/catalog/terms/{id}', { params: { id: term.id } });
      await queryClient.invalidateQueries({ queryKey: ['catalog', 'terms'] });
      void message.success(t('catalog.tax.deleted', { name: term.preferred }));
    } catch (e) {
      void message.error(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <Card
      title={<h2 className="zt-card-title">{t('catalog.tax.terms')}</h2>}
      size="small"
      extra={canManage && <Button onClick={() => setEditing('new')}>{t('catalog.tax.newTerm')}</Button>}
    >
      {terms.isError ? (
        <ErrorState error={terms.error} onRetry={() => void terms.refetch()} />
      ) : (
        <Table<Term>
          rowKey="id"
          size="small"
          loading={terms.isPending}
          dataSource={terms.data ?? []}
          pagination={{ pageSize: 20, showSizeChanger: false }}
          locale={{ emptyText: <Empty description={t('catalog.tax.noTerms')} /> }}
          columns={[
            { title: t('catalog.tax.preferred'), dataIndex: 'preferred' },
            { title: t('catalog.tax.synonyms'), dataIndex: 'synonyms', render: (v: string[]) => v.map((s) => <Tag key={s}>{s}</Tag>) },
            { title: t('catalog.tax.broader'), dataIndex: 'broaderId', render: (v: string | null) => (v ? (byId.get(v) ?? v) : '—') },
            ...(canManage
              ? [
                  {
                    title: t('catalog.actions'),
                    key: 'actions',
                    render: (_: unknown, term: Term) => (
                      <Space size={0}>
                        <Button
                          autoInsertSpace={false}
                          type="link"
                          size="small"
                          onClick={() => setEditing(term)}
                          aria-label={`${t('catalog.tax.edit')} ${term.preferred}`}
                        >
                          {t('catalog.tax.edit')}
                        </Button>
                        <Popconfirm
                          title={t('catalog.tax.deleteConfirm', { name: term.preferred })}
                          okText={t('catalog.tax.delete')}
                          cancelText={t('form.cancel')}
                          onConfirm={() => remove(term)}
                        >
                          <Button autoInsertSpace={false} type="link" size="small" danger aria-label={`${t('catalog.tax.delete')} ${term.preferred}`}>
                            {t('catalog.tax.delete')}
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
      {editing && <TermModal term={editing === 'new' ? undefined : editing} open terms={terms.data ?? []} onClose={() => setEditing(undefined)} />}
    </Card>
  );
}

/** 分类与主题词: the classification tree (add a child, rename, delete an unused class) and the thesaurus (terms, synonyms, broader term). */
export function TaxonomyPage({ canManageClasses, canManageTerms }: { canManageClasses: boolean; canManageTerms: boolean }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('catalog.tax.title')}</h1>
      <ClassesCard canManage={canManageClasses} />
      <TermsCard canManage={canManageTerms} />
    </section>
  );
}
