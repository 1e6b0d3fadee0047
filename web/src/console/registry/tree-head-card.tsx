import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Space } from 'antd';
import { call } from '../../api/client';
import { ErrorState, LoadingState } from '../../components/states';
import { useI18n } from '../../i18n';
import { formatTime } from './registry-data';

/** The registry's signed tree head (RFC 6962) and "verify the registry" (entries, heads, signatures, replay). */
export function TreeHeadCard({ registry }: { registry: string }) {
  const { t, lang } = useI18n();
  const queryClient = useQueryClient();
  const head = useQuery({
    queryKey: ['registries', registry, 'log'],
    queryFn: () => call('get', '/api/v1/registries/{registry}/log', { params: { registry } }),
  });
  const verify = useMutation({
    mutationKey: ['registries', registry, 'verify'],
    mutationFn: () => call('post', '/api/v1/registries/{registry}/log/verify', { params: { registry } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['registries', registry, 'log'] }),
  });
  const result = verify.data?.registry === registry ? verify.data : undefined;
  return (
    <Card size="small" title={<h2 className="zt-card-title">{t('registry.log.title')}</h2>}>
      {head.isPending ? (
        <LoadingState />
      ) : head.isError ? (
        <ErrorState error={head.error} onRetry={() => void head.refetch()} />
      ) : (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Descriptions size="small" column={{ xs: 1, md: 2 }}>
            <Descriptions.Item label={t('registry.log.size')}>{head.data.treeSize}</Descriptions.Item>
            <Descriptions.Item label={t('registry.log.signedAt')}>{formatTime(head.data.signedAt, lang)}</Descriptions.Item>
            <Descriptions.Item label={t('registry.log.root')}>
              <span className="zt-hash" data-testid="tree-root">
                {head.data.rootHash}
              </span>
            </Descriptions.Item>
            <Descriptions.Item label={t('registry.log.key')}>
              <span className="zt-hash">
                {head.data.suite} · {head.data.keyFingerprint.slice(0, 16)}
              </span>
            </Descriptions.Item>
            <Descriptions.Item label={t('registry.log.signature')} span={2}>
              <span className="zt-hash" title={head.data.signature}>
                {head.data.signature.slice(0, 48)}…
              </span>
            </Descriptions.Item>
          </Descriptions>
          <Space wrap>
            <Button onClick={() => verify.mutate()} loading={verify.isPending}>
              {t('registry.log.verify')}
            </Button>
            {verify.isError ? (
              <ErrorState error={verify.error} />
            ) : result ? (
              <Alert
                role="status"
                showIcon
                type={result.ok ? 'success' : 'error'}
                title={
                  result.ok
                    ? t('registry.log.ok', {
                        entries: result.entries,
                        records: result.records,
                        heads: result.treeHeads,
                        signed: result.signaturesChecked ? t('registry.log.signed') : '',
                      })
                    : t('registry.log.bad', { seq: result.firstBadSeq ?? '?', reason: result.reason ?? '' })
                }
              />
            ) : (
              <span className="zt-muted">{t('registry.log.notVerified')}</span>
            )}
          </Space>
        </Space>
      )}
    </Card>
  );
}
