import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Empty, Space, Timeline } from 'antd';
import { call } from '../../api/client';
import { ErrorState } from '../../components/states';
import { useI18n } from '../../i18n';
import { verifyInclusionInBrowser } from './inclusion-proof';
import { displayValue, formatTime, label, useOrgName, useSourceNames, type HistoryEntry, type RegistryDefinition } from './registry-data';

/** Fetches the entry's inclusion proof at the current signed tree head and checks it (in the browser when it can). */
function ProofCheck({ registry, entry }: { registry: string; entry: HistoryEntry }) {
  const { t } = useI18n();
  const check = useMutation({
    mutationFn: async () => {
      const head = await call('get', '/api/v1/registries/{registry}/log', { params: { registry } });
      const proof = await call('get', '/api/v1/registries/{registry}/log/entries/{seq}/inclusion', {
        params: { registry, seq: entry.seq },
        query: { treeSize: head.treeSize },
      });
      const matches = proof.leafHash === entry.leafHash && proof.rootHash === head.rootHash;
      const local = matches ? await verifyInclusionInBrowser(head.suite, proof, head.rootHash) : false;
      return { ok: matches && local !== false, local: local === true, size: head.treeSize, steps: proof.auditPath.length };
    },
  });
  return (
    <Space wrap>
      <Button size="small" onClick={() => check.mutate()} loading={check.isPending}>
        {t('registry.log.proof')}
      </Button>
      {check.isError && <ErrorState error={check.error} />}
      {check.data && (
        <Alert
          role="status"
          type={check.data.ok ? 'success' : 'error'}
          showIcon
          title={
            !check.data.ok
              ? t('registry.log.proofBad', { seq: entry.seq })
              : check.data.local
                ? t('registry.log.proofOk', { seq: entry.seq, size: check.data.size })
                : t('registry.log.proofServer', { seq: entry.seq, steps: check.data.steps })
          }
        />
      )}
    </Space>
  );
}

/**
 * A record's log entries, newest first: when, who and their department, the source department,
 * the reason, and each attribute's previous and new value (masked as the server masks them).
 */
export function HistoryTimeline({ def, entries, onAsOf }: { def: RegistryDefinition; entries: HistoryEntry[]; onAsOf: (iso: string) => void }) {
  const { t, lang } = useI18n();
  const orgName = useOrgName();
  const sourceName = useSourceNames();
  if (entries.length === 0) return <Empty description={t('registry.history.empty')} />;
  const polygon = (points: number) => t('registry.record.polygon', { points });
  return (
    <Timeline
      items={[...entries].reverse().map((e) => ({
        key: e.seq,
        title: (
          <span>
            <strong>{t('registry.history.entry', { seq: e.seq })}</strong> · {formatTime(e.occurredAt, lang)}
          </span>
        ),
        content: (
          <div className="zt-history-entry">
            <div>{t('registry.history.by', { who: e.actor.name ?? e.actor.type, org: orgName(e.actor.orgId) })}</div>
            <div>{t('registry.history.sources', { sources: e.sources.map((s) => sourceName(s, lang)).join('、') })}</div>
            <div>{t('registry.history.reason', { reason: e.reason })}</div>
            <table className="zt-change-table">
              <thead>
                <tr>
                  <th scope="col">{t('registry.record.attribute')}</th>
                  <th scope="col">{t('registry.history.previous')}</th>
                  <th scope="col">{t('registry.history.new')}</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(e.changes).map(([name, c]) => {
                  const attr = def.attributes.find((a) => a.name === name);
                  return (
                    <tr key={name}>
                      <th scope="row">{label(attr, name, lang)}</th>
                      <td>{displayValue(attr, c.previous, polygon)}</td>
                      <td>{displayValue(attr, c.value, polygon)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <Space wrap className="zt-history-actions">
              <Button size="small" onClick={() => onAsOf(e.occurredAt)}>
                {t('registry.history.viewAsOf')}
              </Button>
              <ProofCheck registry={def.key} entry={e} />
            </Space>
          </div>
        ),
      }))}
    />
  );
}
