import { Card, Descriptions, Empty, Table, Tag } from 'antd';
import type { ReactNode } from 'react';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../messages/zh-cn';
import type { Resource } from './catalog-types';
import './catalog.css';

type Item = Resource['items'][number];

/** A date-time as a local date, or a dash. */
export const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '—');

/**
 * One resource's core metadata (GB/T 21063.3), its data items, its links and the DCAT-AP
 * downloads. `actions` go under the title (apply, edit…); `children` after the metadata.
 */
export function ResourceDetails({
  resource: r,
  actions,
  children,
  showStatus,
}: {
  resource: Resource;
  actions?: ReactNode;
  children?: ReactNode;
  showStatus?: boolean;
}) {
  const { t } = useI18n();
  const dcat = `/api/v1/catalog/resources/${r.id}/dcat`;
  return (
    <article aria-labelledby="zt-page-title" className="zt-stack zt-cat-detail">
      <h1 id="zt-page-title">{r.name}</h1>
      {actions}
      <Card title={<h2 className="zt-card-title">{t('catalog.detail.metadata')}</h2>} size="small">
        <Descriptions column={{ xs: 1, md: 2 }} size="small">
          <Descriptions.Item label={t('catalog.field.code')}>
            <span className="zt-mono">{r.code}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('catalog.field.provider')}>
            {r.provider.name}（<span className="zt-mono">{r.provider.code}</span>）
          </Descriptions.Item>
          {showStatus && (
            <Descriptions.Item label={t('catalog.field.status')}>
              <Tag>{t(`catalog.status.${r.status}` as MessageKey)}</Tag>
              {r.reviewNote ? <span>{r.reviewNote}</span> : null}
            </Descriptions.Item>
          )}
          <Descriptions.Item label={t('catalog.field.abstract')} span={2}>
            {r.abstract}
          </Descriptions.Item>
          <Descriptions.Item label={t('catalog.field.classCode')}>{r.classCode}</Descriptions.Item>
          <Descriptions.Item label={t('catalog.field.formatType')}>
            {r.formatLabel}
            {r.formatDetail ? `（${r.formatDetail}）` : ''}
          </Descriptions.Item>
          <Descriptions.Item label={t('catalog.field.shareType')}>
            {r.shareLabel}
            {r.baseRegistry && <Tag>{t('catalog.baseRegistry')}</Tag>}
          </Descriptions.Item>
          {r.shareCondition && <Descriptions.Item label={t('catalog.field.shareCondition')}>{r.shareCondition}</Descriptions.Item>}
          {r.shareBasis && <Descriptions.Item label={t('catalog.field.shareBasis')}>{r.shareBasis}</Descriptions.Item>}
          <Descriptions.Item label={t('catalog.field.shareMethods')}>
            {r.shareMethods.map((m) => t(`catalog.method.${m}` as MessageKey)).join('、') || '—'}
          </Descriptions.Item>
          <Descriptions.Item label={t('catalog.field.openType')}>{r.openLabel}</Descriptions.Item>
          {r.openCondition && <Descriptions.Item label={t('catalog.field.openCondition')}>{r.openCondition}</Descriptions.Item>}
          <Descriptions.Item label={t('catalog.field.updateCycle')}>{r.updateCycleLabel}</Descriptions.Item>
          <Descriptions.Item label={t('catalog.field.publishedOn')}>{day(r.publishedOn)}</Descriptions.Item>
          <Descriptions.Item label={t('catalog.field.dataUpdatedAt')}>{day(r.dataUpdatedAt)}</Descriptions.Item>
          <Descriptions.Item label={t('catalog.field.updatedAt')}>{day(r.updatedAt)}</Descriptions.Item>
          <Descriptions.Item label={t('catalog.field.keywords')}>{r.keywords.length ? r.keywords.map((k) => <Tag key={k}>{k}</Tag>) : '—'}</Descriptions.Item>
          <Descriptions.Item label={t('catalog.field.relatedCodes')}>{r.relatedCodes.join('、') || '—'}</Descriptions.Item>
          <Descriptions.Item label={t('catalog.field.maintainer')}>{r.maintainer}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Card title={<h2 className="zt-card-title">{t('catalog.detail.items', { n: r.items.length })}</h2>} size="small">
        <Table<Item>
          rowKey="field"
          size="small"
          pagination={false}
          dataSource={r.items}
          scroll={{ x: 600 }}
          locale={{ emptyText: <Empty description={t('catalog.detail.noItems')} /> }}
          columns={[
            { title: t('catalog.item.name'), dataIndex: 'name' },
            { title: t('catalog.item.field'), dataIndex: 'field', render: (v: string) => <code>{v}</code> },
            { title: t('catalog.item.type'), dataIndex: 'type', render: (v: string) => `${v} ${t(`catalog.itemType.${v}` as MessageKey)}` },
            { title: t('catalog.item.length'), dataIndex: 'length', render: (v: number | null) => v ?? '—' },
            { title: t('catalog.item.element'), dataIndex: 'element', render: (v: string | null) => v ?? '—' },
          ]}
        />
      </Card>
      <Card title={<h2 className="zt-card-title">{t('catalog.detail.links')}</h2>} size="small">
        <ul className="zt-cat-links">
          {r.links.map((l, i) => (
            <li key={i}>
              <Tag>{t(`catalog.linkKind.${l.kind}` as MessageKey)}</Tag>
              {l.kind === 'api' ? (
                <a href={l.ref} rel="noopener noreferrer" target="_blank">
                  {l.title ?? l.ref}
                </a>
              ) : (
                <span>
                  {l.title ? `${l.title} ` : ''}
                  <code>{l.ref}</code>
                </span>
              )}
            </li>
          ))}
          {r.links.length === 0 && <li className="zt-muted">{t('catalog.detail.noLinks')}</li>}
        </ul>
      </Card>
      <Card title={<h2 className="zt-card-title">{t('catalog.detail.dcat')}</h2>} size="small">
        <p>{t('catalog.detail.dcatHelp')}</p>
        <ul className="zt-cat-links">
          <li>
            <a href={`${dcat}.ttl`} download={`${r.code.replace('/', '-')}.ttl`}>
              {t('catalog.detail.turtle')}
            </a>
          </li>
          <li>
            <a href={`${dcat}.jsonld`} download={`${r.code.replace('/', '-')}.jsonld`}>
              {t('catalog.detail.jsonld')}
            </a>
          </li>
        </ul>
      </Card>
      {children}
    </article>
  );
}
