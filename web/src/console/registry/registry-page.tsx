import { Alert, Button, Card, Form, Input, Radio, Select, Space, Table, Tabs, Tooltip } from 'antd';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { call } from '../../api/client';
import { useSession } from '../../api/session';
import type { QueryOf } from '../../api/types';
import { applyServerErrors } from '../../components/form-errors';
import { ErrorState, LoadingState } from '../../components/states';
import { useI18n } from '../../i18n';
import { ParcelMap } from './parcel-map';
import { RecordView, type Lookup } from './record-view';
import { displayValue, isMaskedKey, label, useRegistries, type RegistryDefinition, type RegistryRecord } from './registry-data';
import { TreeHeadCard } from './tree-head-card';
import './registry.css';

type Mode = 'page' | 'holder' | 'point' | 'bbox';
type SearchQuery = QueryOf<'/api/v1/registries/{registry}/records', 'get'>;
interface LookupValues {
  key: string;
  purpose?: string;
  asOf?: string;
}
interface SearchValues {
  purpose?: string;
  mode: Mode;
  holder?: string;
  point?: string;
  bbox?: string;
}

const PAGE = 20;

/** Reads one record with a stated purpose (a recorded personal-data access). */
const readRecord = (registry: string, key: string, purpose: string | undefined, asOf?: string) =>
  call('get', '/api/v1/registries/{registry}/records/{key}', {
    params: { registry, key },
    query: { ...(purpose !== undefined ? { purpose } : {}), ...(asOf ? { asOf } : {}) },
  });

/**
 * The console's registry browser: choose a registry, look a record up by key or search (by page,
 * holder, point or box, as the registry allows) — every read with a stated purpose — then see the
 * record as masked for this department, its history, its proofs, and parcels on a map.
 */
export default function RegistryPage() {
  const { t, lang } = useI18n();
  const session = useSession();
  const registries = useRegistries();
  const [params, setParams] = useSearchParams();
  const [lookupForm] = Form.useForm<LookupValues>();
  const [searchForm] = Form.useForm<SearchValues>();
  const [current, setCurrent] = useState<Lookup>();
  const [lookupError, setLookupError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<{ query: SearchQuery; items: RegistryRecord[]; total: number; nextAfter: string | null }>();
  const [searchError, setSearchError] = useState<string>();
  const mode = Form.useWatch('mode', searchForm) ?? 'page';

  if (registries.isPending) return <LoadingState />;
  if (registries.isError) return <ErrorState error={registries.error} onRetry={() => void registries.refetch()} />;
  const defs = registries.data.items;
  const def: RegistryDefinition = defs.find((d) => d.key === params.get('r')) ?? defs[0]!;
  const keyAttr = def.attributes.find((a) => a.name === def.keyAttribute);
  const myOrgId = session.data?.user?.orgId ?? null;

  const choose = (key: string) => {
    setParams({ r: key });
    setCurrent(undefined);
    setResults(undefined);
    setLookupError(undefined);
    setSearchError(undefined);
    lookupForm.resetFields(['key', 'asOf']);
    searchForm.resetFields(['holder', 'point', 'bbox']);
    searchForm.setFieldValue('mode', 'page');
  };

  /** Opens a record; errors go on the lookup form's fields (or above it). */
  const open = async (key: string, purpose: string | undefined, asOf?: string) => {
    setBusy(true);
    setLookupError(undefined);
    try {
      const record = await readRecord(def.key, key, purpose, asOf);
      lookupForm.setFields((['key', 'purpose', 'asOf'] as const).map((name) => ({ name, errors: [] })));
      setCurrent({ key, purpose: purpose ?? '', asOf, record });
    } catch (e) {
      setLookupError(applyServerErrors(lookupForm, e, ['key', 'purpose', 'asOf']));
    } finally {
      setBusy(false);
    }
  };

  const search = async (query: SearchQuery) => {
    setBusy(true);
    setSearchError(undefined);
    try {
      const r = await call('get', '/api/v1/registries/{registry}/records', { params: { registry: def.key }, query });
      searchForm.setFields((['purpose', 'holder', 'point', 'bbox'] as const).map((name) => ({ name, errors: [] })));
      setResults({ query, ...r });
    } catch (e) {
      setSearchError(applyServerErrors(searchForm, e, ['purpose', 'holder', 'point', 'bbox']));
    } finally {
      setBusy(false);
    }
  };
  const queryOf = (v: SearchValues): SearchQuery => ({
    limit: PAGE,
    ...(v.purpose !== undefined ? { purpose: v.purpose } : {}),
    ...(v.mode === 'holder' ? { holder: v.holder?.trim() ?? '' } : {}),
    ...(v.mode === 'point' ? { point: v.point?.replace(/\s/g, '') ?? '' } : {}),
    ...(v.mode === 'bbox' ? { bbox: v.bbox?.replace(/\s/g, '') ?? '' } : {}),
  });
  const openFromResults = (key: string) => {
    const purpose = results?.query.purpose;
    lookupForm.setFieldsValue({ key, purpose });
    void open(key, purpose);
  };

  const modes: Mode[] = ['page', ...(def.holderAttribute ? (['holder'] as const) : []), ...(def.geometryAttribute ? (['point', 'bbox'] as const) : [])];
  const columns = def.attributes.filter((a) => a.type !== 'geometry' && a.name !== def.keyAttribute).slice(0, 4);
  const polygon = (points: number) => t('registry.record.polygon', { points });

  const purposeItem = (
    <Form.Item name="purpose" label={t('registry.browser.purpose')} required tooltip={t('registry.browser.purposeHelp')}>
      <Input maxLength={200} style={{ width: 240 }} />
    </Form.Item>
  );

  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('registry.browser.title')}</h1>
      <Card size="small">
        <Space wrap align="center">
          <label htmlFor="zt-registry-select">{t('registry.browser.registry')}</label>
          <Select
            id="zt-registry-select"
            value={def.key}
            style={{ minWidth: 320 }}
            options={defs.map((d) => ({ value: d.key, label: lang === 'en' ? d.name.en : d.name.zh }))}
            onChange={choose}
          />
          <span className="zt-muted">{t('registry.browser.summary', { records: def.records, entries: def.logSize })}</span>
        </Space>
      </Card>
      <TreeHeadCard registry={def.key} />
      <Card size="small">
        <Tabs
          items={[
            {
              key: 'lookup',
              label: t('registry.browser.lookup'),
              children: (
                <>
                  {lookupError && <Alert type="error" role="alert" showIcon title={lookupError} className="zt-gap" />}
                  <Form<LookupValues>
                    name="lookup"
                    form={lookupForm}
                    layout="inline"
                    className="zt-filters"
                    disabled={busy}
                    onFinish={(v) => void open(v.key.trim(), v.purpose, v.asOf || undefined)}
                  >
                    <Form.Item
                      name="key"
                      label={label(keyAttr, def.keyAttribute, lang)}
                      rules={[{ required: true, whitespace: true, message: t('form.required', { field: label(keyAttr, def.keyAttribute, lang) }) }]}
                    >
                      <Input maxLength={40} style={{ width: 240 }} className="zt-mono" />
                    </Form.Item>
                    {purposeItem}
                    <Form.Item name="asOf" label={t('registry.browser.asOf')}>
                      <Input type="date" />
                    </Form.Item>
                    <Form.Item>
                      <Button type="primary" htmlType="submit" loading={busy}>
                        {t('registry.browser.query')}
                      </Button>
                    </Form.Item>
                  </Form>
                </>
              ),
            },
            {
              key: 'search',
              label: t('registry.browser.search'),
              children: (
                <Space orientation="vertical" style={{ width: '100%' }}>
                  {searchError && <Alert type="error" role="alert" showIcon title={searchError} />}
                  <Form<SearchValues>
                    name="search"
                    form={searchForm}
                    layout="inline"
                    className="zt-filters"
                    disabled={busy}
                    initialValues={{ mode: 'page' }}
                    onFinish={(v) => void search(queryOf(v))}
                  >
                    {purposeItem}
                    <Form.Item name="mode" label={t('registry.browser.mode')}>
                      <Radio.Group options={modes.map((m) => ({ value: m, label: t(`registry.browser.mode.${m}`) }))} optionType="button" />
                    </Form.Item>
                    {mode === 'holder' && (
                      <Form.Item name="holder" label={t('registry.browser.holder')}>
                        <Input maxLength={40} style={{ width: 220 }} className="zt-mono" />
                      </Form.Item>
                    )}
                    {mode === 'point' && (
                      <Form.Item name="point" label={t('registry.browser.point')}>
                        <Input style={{ width: 220 }} placeholder="119.2905,26.0705" className="zt-mono" />
                      </Form.Item>
                    )}
                    {mode === 'bbox' && (
                      <Form.Item name="bbox" label={t('registry.browser.bbox')}>
                        <Input style={{ width: 300 }} placeholder="119.28,26.06,119.30,26.08" className="zt-mono" />
                      </Form.Item>
                    )}
                    <Form.Item>
                      <Button type="primary" htmlType="submit" loading={busy}>
                        {t('registry.browser.search')}
                      </Button>
                    </Form.Item>
                  </Form>
                  {results && (
                    <>
                      <p className="zt-result" role="status">
                        {t('registry.browser.results', { count: results.items.length, total: results.total })}
                      </p>
                      {def.geometryAttribute && results.items.length > 0 && (
                        <ParcelMap
                          parcels={results.items.map((r) => ({ key: r.key, geometry: r.attributes[def.geometryAttribute!] }))}
                          selected={current?.record.key}
                          onSelect={openFromResults}
                          onPoint={(lon, lat) => {
                            const point = `${lon},${lat}`;
                            searchForm.setFieldsValue({ mode: 'point', point });
                            void search({ limit: PAGE, ...(results.query.purpose !== undefined ? { purpose: results.query.purpose } : {}), point });
                          }}
                        />
                      )}
                      <Table<RegistryRecord>
                        rowKey="key"
                        size="small"
                        dataSource={results.items}
                        pagination={false}
                        locale={{ emptyText: t('registry.browser.noResults') }}
                        columns={[
                          { title: label(keyAttr, def.keyAttribute, lang), dataIndex: 'key', render: (k: string) => <span className="zt-mono">{k}</span> },
                          ...columns.map((a) => ({
                            title: label(a, a.name, lang),
                            key: a.name,
                            render: (_: unknown, r: RegistryRecord) => displayValue(a, r.attributes[a.name], polygon),
                          })),
                          {
                            title: '',
                            key: 'open',
                            render: (_: unknown, r: RegistryRecord) =>
                              isMaskedKey(r.key) ? (
                                <Tooltip title={t('registry.browser.maskedKey')}>
                                  <span className="zt-muted">—</span>
                                </Tooltip>
                              ) : (
                                <Button
                                  size="small"
                                  autoInsertSpace={false}
                                  onClick={() => openFromResults(r.key)}
                                  aria-label={`${t('registry.browser.open')} ${r.key}`}
                                >
                                  {t('registry.browser.open')}
                                </Button>
                              ),
                          },
                        ]}
                      />
                      {results.nextAfter && (
                        <Button onClick={() => void search({ ...results.query, after: results.nextAfter! })} loading={busy}>
                          {t('registry.browser.more')}
                        </Button>
                      )}
                    </>
                  )}
                </Space>
              ),
            },
          ]}
        />
      </Card>
      {current ? (
        <RecordView
          key={`${def.key}/${current.key}`}
          def={def}
          lookup={current}
          myOrgId={myOrgId}
          onAsOf={(asOf) => {
            lookupForm.setFieldsValue({ key: current.key, purpose: current.purpose, asOf: asOf ? asOf.slice(0, 10) : undefined });
            void open(current.key, current.purpose, asOf);
          }}
        />
      ) : (
        !results && <p className="zt-muted">{t('registry.browser.start')}</p>
      )}
    </section>
  );
}
