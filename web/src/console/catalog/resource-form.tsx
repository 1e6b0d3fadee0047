import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Checkbox, Form, Input, InputNumber, Radio, Select, Space } from 'antd';
import { useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { call } from '../../api/client';
import { ErrorState, LoadingState } from '../../components/states';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../messages/zh-cn';
import {
  FORMAT_TYPES,
  isBaseRegistryClass,
  ITEM_TYPES,
  LINK_KINDS,
  OPEN_TYPES,
  SHARE_METHODS,
  SHARE_TYPES,
  UPDATE_CYCLES,
  type Resource,
  type ResourceBody,
} from '../../portal/open-data/catalog-types';
import { useRouteResource } from './resource-view';
import { showServerErrors } from './server-errors';

const TOP_FIELDS = [
  'classCode',
  'name',
  'abstract',
  'formatType',
  'formatDetail',
  'items',
  'shareType',
  'shareCondition',
  'shareBasis',
  'shareMethods',
  'openType',
  'openCondition',
  'updateCycle',
  'relatedCodes',
  'keywords',
  'maintainer',
  'links',
] as const;

type Values = ResourceBody;

const EMPTY: Partial<Values> = {
  formatType: 'database',
  shareType: 'conditional',
  shareMethods: ['interface'],
  openType: 'closed',
  updateCycle: 'monthly',
  items: [{ name: '', field: '', type: 'C', length: null, element: null }],
  links: [],
  keywords: [],
  relatedCodes: [],
};

function toValues(r: Resource): Values {
  return {
    classCode: r.classCode,
    name: r.name,
    abstract: r.abstract,
    formatType: r.formatType,
    formatDetail: r.formatDetail,
    items: r.items.map((i) => ({ ...i, type: i.type as Values['items'][number]['type'] })),
    shareType: r.shareType,
    shareCondition: r.shareCondition,
    shareBasis: r.shareBasis,
    shareMethods: r.shareMethods as Values['shareMethods'],
    openType: r.openType,
    openCondition: r.openCondition,
    updateCycle: r.updateCycle,
    relatedCodes: r.relatedCodes,
    keywords: r.keywords,
    maintainer: r.maintainer,
    links: r.links.map((l) => ({ ...l, kind: l.kind as 'service' | 'file' | 'api' })),
  };
}

/** The classification as options: code and name, indented by level; only 项 and below can be chosen. */
function useClassOptions() {
  const classes = useQuery({ queryKey: ['catalog', 'classes'], queryFn: () => call('get', '/api/v1/catalog/classes'), staleTime: 60_000 });
  const options = (classes.data ?? [])
    .slice()
    .sort((a, b) => (a.code < b.code ? -1 : 1))
    .map((c) => ({ value: c.code, label: `${c.code} ${c.name}`, disabled: c.level < 2 }));
  return { options, loading: classes.isPending };
}

/**
 * The catalogue form (编目): the core metadata, data items and links. Checks what a person would
 * forget at once (required fields); the catalog rules (有条件 needs its condition, 不予共享 its
 * legal basis, field identifiers, service identifiers…) are the server's, and its errors land on
 * the fields they name, nested ones included. "Save and submit" sends it for review.
 */
function ResourceForm({ resource }: { resource?: Resource }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submitAfter = useRef(false);
  const classes = useClassOptions();
  const shareType = Form.useWatch('shareType', form);
  const openType = Form.useWatch('openType', form);
  const classCode = Form.useWatch('classCode', form);
  const required = (key: MessageKey) => ({ required: true, whitespace: true, message: t('form.required', { field: t(key) }) });

  const save = async (v: Values) => {
    setBusy(true);
    setError(undefined);
    try {
      const body: Values = {
        ...v,
        items: (v.items ?? []).map((i) => ({ ...i, length: i.length ?? null, element: i.element?.trim() || null })),
        links: (v.links ?? []).map((l) => ({ ...l, title: l.title?.trim() || null })),
        formatDetail: v.formatDetail?.trim() || null,
        shareCondition: v.shareCondition ?? null,
        shareBasis: v.shareBasis ?? null,
        openCondition: v.openCondition ?? null,
      };
      const saved = resource
        ? await call('put', '/api/v1/catalog/resources/{id}', { params: { id: resource.id }, body })
        : await call('post', '/api/v1/catalog/resources', { body });
      const final = submitAfter.current ? await call('post', '/api/v1/catalog/resources/{id}/submit', { params: { id: saved.id } }) : saved;
      await queryClient.invalidateQueries({ queryKey: ['catalog'] });
      void message.success(t(submitAfter.current ? 'catalog.form.submitted' : 'catalog.form.saved', { code: final.code }));
      navigate(`/console/catalog-mine/${final.id}`);
    } catch (e) {
      setError(showServerErrors(form, e, TOP_FIELDS));
    } finally {
      setBusy(false);
      submitAfter.current = false;
    }
  };

  const options = (list: readonly string[], prefix: string) => list.map((v) => ({ value: v, label: t(`${prefix}.${v}` as MessageKey) }));
  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{resource ? t('catalog.form.editTitle', { name: resource.name }) : t('catalog.form.newTitle')}</h1>
      <Link to={resource ? `/console/catalog-mine/${resource.id}` : '/console/catalog-mine'}>{t('catalog.back')}</Link>
      {error && <Alert type="error" role="alert" showIcon title={error} />}
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={save}
        onFinishFailed={() => {
          submitAfter.current = false;
        }}
        disabled={busy}
        initialValues={resource ? toValues(resource) : EMPTY}
        scrollToFirstError={{ focus: true }}
      >
        <Card title={<h2 className="zt-card-title">{t('catalog.form.basics')}</h2>} size="small" className="zt-gap">
          <Form.Item name="classCode" label={t('catalog.field.classCode')} rules={[required('catalog.field.classCode')]}>
            <Select showSearch={{ optionFilterProp: 'label' }} loading={classes.loading} options={classes.options} />
          </Form.Item>
          <Form.Item name="name" label={t('catalog.field.name')} rules={[required('catalog.field.name')]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="abstract" label={t('catalog.field.abstract')} rules={[required('catalog.field.abstract')]}>
            <Input.TextArea maxLength={2000} rows={3} />
          </Form.Item>
          <Space wrap align="start">
            <Form.Item name="formatType" label={t('catalog.field.formatType')} rules={[{ required: true }]}>
              <Select style={{ width: 180 }} options={options(FORMAT_TYPES, 'catalog.format')} />
            </Form.Item>
            <Form.Item name="formatDetail" label={`${t('catalog.field.formatDetail')}${t('form.optional')}`}>
              <Input maxLength={100} style={{ width: 220 }} />
            </Form.Item>
            <Form.Item name="updateCycle" label={t('catalog.field.updateCycle')} rules={[{ required: true }]}>
              <Select style={{ width: 160 }} options={options(UPDATE_CYCLES, 'catalog.cycle')} />
            </Form.Item>
          </Space>
          <Form.Item name="maintainer" label={t('catalog.field.maintainer')} rules={[required('catalog.field.maintainer')]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="keywords" label={`${t('catalog.field.keywords')}${t('form.optional')}`} extra={t('catalog.form.tagsHelp')}>
            <Select mode="tags" open={false} suffixIcon={null} tokenSeparators={[',', '，', '、', ' ']} />
          </Form.Item>
          <Form.Item name="relatedCodes" label={`${t('catalog.field.relatedCodes')}${t('form.optional')}`} extra={t('catalog.form.relatedHelp')}>
            <Select mode="tags" open={false} suffixIcon={null} tokenSeparators={[',', '，', '、', ' ']} />
          </Form.Item>
        </Card>

        <Card title={<h2 className="zt-card-title">{t('catalog.form.sharing')}</h2>} size="small" className="zt-gap">
          {isBaseRegistryClass(classCode) && <Alert type="info" showIcon title={t('catalog.form.baseRegistry')} className="zt-gap" />}
          <Form.Item name="shareType" label={t('catalog.field.shareType')} rules={[{ required: true }]}>
            <Radio.Group options={options(SHARE_TYPES, 'catalog.shareType')} />
          </Form.Item>
          {shareType === 'conditional' && (
            <Form.Item name="shareCondition" label={t('catalog.field.shareCondition')} extra={t('catalog.form.conditionHelp')}>
              <Input.TextArea maxLength={2000} rows={2} />
            </Form.Item>
          )}
          {shareType === 'none' && (
            <Form.Item name="shareBasis" label={t('catalog.field.shareBasis')} extra={t('catalog.form.basisHelp')}>
              <Input.TextArea maxLength={2000} rows={2} />
            </Form.Item>
          )}
          <Form.Item name="shareMethods" label={t('catalog.field.shareMethods')}>
            <Checkbox.Group options={options(SHARE_METHODS, 'catalog.method')} />
          </Form.Item>
          <Form.Item name="openType" label={t('catalog.field.openType')} rules={[{ required: true }]}>
            <Radio.Group options={options(OPEN_TYPES, 'catalog.openType')} />
          </Form.Item>
          {openType === 'conditional' && (
            <Form.Item name="openCondition" label={t('catalog.field.openCondition')}>
              <Input.TextArea maxLength={2000} rows={2} />
            </Form.Item>
          )}
        </Card>

        <Card title={<h2 className="zt-card-title">{t('catalog.form.items')}</h2>} size="small" className="zt-gap">
          <Form.List name="items">
            {(fields, { add, remove }, { errors }) => (
              <>
                {fields.map((f, i) => (
                  <Space key={f.key} wrap align="start" role="group" aria-label={t('catalog.form.itemN', { n: i + 1 })}>
                    <Form.Item name={[f.name, 'name']} rules={[required('catalog.item.name')]}>
                      <Input aria-label={`${t('catalog.item.name')} ${i + 1}`} placeholder={t('catalog.item.name')} maxLength={100} style={{ width: 180 }} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'field']} rules={[required('catalog.item.field')]}>
                      <Input
                        aria-label={`${t('catalog.item.field')} ${i + 1}`}
                        placeholder={t('catalog.item.fieldHint')}
                        maxLength={64}
                        style={{ width: 180 }}
                      />
                    </Form.Item>
                    <Form.Item name={[f.name, 'type']}>
                      <Select
                        aria-label={`${t('catalog.item.type')} ${i + 1}`}
                        style={{ width: 130 }}
                        options={ITEM_TYPES.map((v) => ({ value: v, label: `${v} ${t(`catalog.itemType.${v}` as MessageKey)}` }))}
                      />
                    </Form.Item>
                    <Form.Item name={[f.name, 'length']}>
                      <InputNumber aria-label={`${t('catalog.item.length')} ${i + 1}`} placeholder={t('catalog.item.length')} min={1} max={100000} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'element']}>
                      <Input
                        aria-label={`${t('catalog.item.element')} ${i + 1}`}
                        placeholder={t('catalog.item.element')}
                        maxLength={64}
                        style={{ width: 140 }}
                      />
                    </Form.Item>
                    <Button
                      autoInsertSpace={false}
                      onClick={() => remove(f.name)}
                      disabled={fields.length <= 1}
                      aria-label={t('catalog.form.removeItem', { n: i + 1 })}
                    >
                      {t('catalog.form.remove')}
                    </Button>
                  </Space>
                ))}
                <Form.ErrorList errors={errors} />
                <Button onClick={() => add({ name: '', field: '', type: 'C', length: null, element: null })}>{t('catalog.form.addItem')}</Button>
              </>
            )}
          </Form.List>
        </Card>

        <Card title={<h2 className="zt-card-title">{t('catalog.form.links')}</h2>} size="small" className="zt-gap">
          <p className="zt-muted">{t('catalog.form.linksHelp')}</p>
          <Form.List name="links">
            {(fields, { add, remove }) => (
              <>
                {fields.map((f, i) => (
                  <Space key={f.key} wrap align="start" role="group" aria-label={t('catalog.form.linkN', { n: i + 1 })}>
                    <Form.Item name={[f.name, 'kind']}>
                      <Select
                        aria-label={`${t('catalog.link.kind')} ${i + 1}`}
                        style={{ width: 130 }}
                        options={LINK_KINDS.map((v) => ({ value: v, label: t(`catalog.linkKind.${v}` as MessageKey) }))}
                      />
                    </Form.Item>
                    <Form.Item name={[f.name, 'ref']} rules={[required('catalog.link.ref')]}>
                      <Input aria-label={`${t('catalog.link.ref')} ${i + 1}`} placeholder={t('catalog.link.refHint')} maxLength={500} style={{ width: 420 }} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'title']}>
                      <Input aria-label={`${t('catalog.link.title')} ${i + 1}`} placeholder={t('catalog.link.title')} maxLength={100} style={{ width: 180 }} />
                    </Form.Item>
                    <Button autoInsertSpace={false} onClick={() => remove(f.name)} aria-label={t('catalog.form.removeLink', { n: i + 1 })}>
                      {t('catalog.form.remove')}
                    </Button>
                  </Space>
                ))}
                <Button onClick={() => add({ kind: 'service', ref: '', title: null })}>{t('catalog.form.addLink')}</Button>
              </>
            )}
          </Form.List>
        </Card>

        <Space wrap>
          <Button htmlType="submit" loading={busy}>
            {t('catalog.form.save')}
          </Button>
          <Button
            type="primary"
            loading={busy}
            onClick={() => {
              submitAfter.current = true;
              form.submit();
            }}
          >
            {t('catalog.form.saveSubmit')}
          </Button>
        </Space>
      </Form>
    </section>
  );
}

export function NewResourcePage() {
  return <ResourceForm />;
}

export function EditResourcePage() {
  const resource = useRouteResource();
  if (resource.isPending) return <LoadingState />;
  if (resource.isError) return <ErrorState error={resource.error} onRetry={() => void resource.refetch()} />;
  return <ResourceForm resource={resource.data} key={resource.data.updatedAt} />;
}
