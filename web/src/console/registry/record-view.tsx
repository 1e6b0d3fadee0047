import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Space } from 'antd';
import { useState } from 'react';
import { call } from '../../api/client';
import { ErrorState, LoadingState } from '../../components/states';
import { useI18n } from '../../i18n';
import { DiscrepancyModal } from './discrepancy-modal';
import { HistoryTimeline } from './history-timeline';
import { ParcelMap } from './parcel-map';
import { displayValue, formatTime, label, type Discrepancy, type RegistryDefinition, type RegistryRecord } from './registry-data';

export interface Lookup {
  /** The key as the reader typed it (the record may show it masked). */
  key: string;
  purpose: string;
  asOf?: string | undefined;
  record: RegistryRecord;
}

/**
 * One record as the server returned it — masked attributes marked — with its source departments,
 * its parcel drawn when it has a geometry, the history timeline (itself a recorded read with the
 * same purpose) and "report a discrepancy".
 */
export function RecordView({
  def,
  lookup,
  myOrgId,
  onAsOf,
}: {
  def: RegistryDefinition;
  lookup: Lookup;
  myOrgId: string | null;
  onAsOf: (iso: string | undefined) => void;
}) {
  const { t, lang } = useI18n();
  const [reporting, setReporting] = useState(false);
  const [filed, setFiled] = useState<Discrepancy>();
  const { record } = lookup;
  const history = useQuery({
    queryKey: ['registry-history', def.key, lookup.key, lookup.purpose, record.version, record.updatedAt],
    queryFn: () =>
      call('get', '/api/v1/registries/{registry}/records/{key}/history', {
        params: { registry: def.key, key: lookup.key },
        query: { purpose: lookup.purpose },
      }),
    staleTime: Infinity,
  });
  const polygon = (points: number) => t('registry.record.polygon', { points });
  const geometry = def.geometryAttribute ? record.attributes[def.geometryAttribute] : undefined;

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Card
        title={<h2 className="zt-card-title">{t('registry.record.title', { key: record.key })}</h2>}
        extra={
          !record.asOf && (
            <Button onClick={() => setReporting(true)} disabled={!myOrgId}>
              {t('registry.record.report')}
            </Button>
          )
        }
      >
        <Space orientation="vertical" style={{ width: '100%' }}>
          <span className="zt-muted">{t('registry.record.version', { version: record.version, time: formatTime(record.updatedAt, lang) })}</span>
          {record.asOf && (
            <Alert
              type="info"
              showIcon
              title={t('registry.record.asOf', { time: formatTime(record.asOf, lang) })}
              action={<Button onClick={() => onAsOf(undefined)}>{t('registry.record.current')}</Button>}
            />
          )}
          {record.masked.length > 0 && <Alert type="warning" showIcon title={t('registry.record.maskedNote', { count: record.masked.length })} />}
          {filed && (
            <Alert
              type="success"
              role="status"
              showIcon
              closable
              onClose={() => setFiled(undefined)}
              title={t('registry.discrepancy.filed', { due: formatTime(filed.dueAt, lang) })}
            />
          )}
          <Descriptions bordered size="small" column={1} data-testid="registry-record">
            {def.attributes.map((a) => {
              const masked = record.masked.includes(a.name);
              return (
                <Descriptions.Item key={a.name} label={label(a, a.name, lang)}>
                  <Space wrap size="small">
                    <span className={masked ? 'zt-mono' : undefined}>{displayValue(a, record.attributes[a.name], polygon)}</span>
                    {masked && <span className="zt-flag zt-flag-warn">{t('registry.record.masked')}</span>}
                    <span className="zt-muted">
                      {t('registry.record.source')}：{a.sourceOrg?.name ?? a.source}
                    </span>
                  </Space>
                </Descriptions.Item>
              );
            })}
          </Descriptions>
          {geometry != null && <ParcelMap parcels={[{ key: record.key, geometry }]} selected={record.key} />}
        </Space>
      </Card>
      <Card title={<h2 className="zt-card-title">{t('registry.history.title')}</h2>}>
        {history.isPending ? (
          <LoadingState />
        ) : history.isError ? (
          <ErrorState error={history.error} onRetry={() => void history.refetch()} />
        ) : (
          <HistoryTimeline def={def} entries={history.data.items} onAsOf={onAsOf} />
        )}
      </Card>
      <DiscrepancyModal def={def} recordKey={lookup.key} myOrgId={myOrgId} open={reporting} onClose={() => setReporting(false)} onFiled={(d) => setFiled(d)} />
    </Space>
  );
}
