import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Card, Empty, Form, Input, Progress, Select, Space, Table, Tabs, Tag, Upload } from 'antd';
import { useState } from 'react';
import { call } from '../../api/client';
import type { ReplyOf } from '../../api/types';
import { applyServerErrors } from '../../components/form-errors';
import { ErrorState } from '../../components/states';
import { useI18n } from '../../i18n';
import { CSV_TYPE, countCsvRows, readLines, saveBlob, sendFile } from '../file-transfer';
import { label, type RegistryDefinition } from './registry-data';
import { RegistryPageShell } from './registry-select';
import '../data-pages.css';

type VerifyReply = ReplyOf<'/api/v1/registries/{registry}/verify', 'post'>;

/** Attributes a claim can be made about (not the key, not computed areas or polygons). */
const claimable = (def: RegistryDefinition) => def.attributes.filter((a) => a.name !== def.keyAttribute && a.type !== 'geometry' && a.type !== 'area');

/** One key and the claimed values: match / no match per attribute, never the stored value. */
function SingleVerify({ def }: { def: RegistryDefinition }) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<Record<string, string>>();
  const [formError, setFormError] = useState<string>();
  const attrs = claimable(def);
  const keyAttr = def.attributes.find((a) => a.name === def.keyAttribute);
  const verify = useMutation({
    mutationFn: async (v: Record<string, string>) => {
      const claims = Object.fromEntries(attrs.map((a) => [a.name, v[`claim_${a.name}`]?.trim() ?? '']).filter(([, x]) => x !== ''));
      if (Object.keys(claims).length === 0) throw new Error(t('registry.verify.noClaims'));
      const reply = await call('post', '/api/v1/registries/{registry}/verify', {
        params: { registry: def.key },
        body: { key: (v.key ?? '').trim(), claims, purpose: (v.purpose ?? '').trim() },
      });
      return { reply, claimed: Object.keys(claims) };
    },
    onMutate: () => setFormError(undefined),
    onError: (e) => setFormError(applyServerErrors(form, e, ['key', 'purpose'])),
  });
  const result: { reply: VerifyReply; claimed: string[] } | undefined = verify.data;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Form form={form} layout="vertical" onFinish={(v) => verify.mutate(v)} style={{ maxWidth: 640 }} disabled={verify.isPending}>
        <Form.Item
          name="key"
          label={label(keyAttr, def.keyAttribute, lang)}
          rules={[{ required: true, whitespace: true, message: t('form.required', { field: label(keyAttr, def.keyAttribute, lang) }) }]}
        >
          <Input maxLength={40} className="zt-mono" />
        </Form.Item>
        <p className="zt-muted">{t('registry.verify.claimsHelp')}</p>
        {attrs.map((a) => (
          <Form.Item key={a.name} name={`claim_${a.name}`} label={label(a, a.name, lang)}>
            {a.codes ? (
              <Select allowClear options={Object.entries(a.codes).map(([code, name]) => ({ value: code, label: `${code} ${name}` }))} />
            ) : (
              <Input maxLength={500} placeholder={a.type === 'date' ? 'YYYY-MM-DD' : undefined} />
            )}
          </Form.Item>
        ))}
        <Form.Item
          name="purpose"
          label={t('registry.browser.purpose')}
          extra={t('registry.browser.purposeHelp')}
          rules={[{ required: true, whitespace: true, message: t('form.required', { field: t('registry.browser.purpose') }) }]}
        >
          <Input maxLength={200} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={verify.isPending}>
          {t('registry.verify.run')}
        </Button>
      </Form>
      {formError && <Alert type="error" role="alert" showIcon title={formError} />}
      {result && (
        <Card size="small" data-testid="verify-result" aria-live="polite">
          <p>
            <Tag className={result.reply.found ? 'zt-outcome-ok' : 'zt-outcome-warn'}>
              {t(result.reply.found ? 'registry.verify.found' : 'registry.verify.notFound')}
            </Tag>
          </p>
          <Table
            rowKey="name"
            size="small"
            pagination={false}
            dataSource={result.claimed.map((name) => ({ name, result: result.reply.results[name] }))}
            columns={[
              {
                title: t('registry.record.attribute'),
                dataIndex: 'name',
                render: (n: string) =>
                  label(
                    def.attributes.find((a) => a.name === n),
                    n,
                    lang,
                  ),
              },
              {
                title: t('registry.verify.outcome'),
                dataIndex: 'result',
                render: (r: string) => (
                  <Tag className={r === 'match' ? 'zt-outcome-ok' : 'zt-outcome-bad'}>
                    {t(r === 'match' ? 'registry.verify.match' : 'registry.verify.noMatch')}
                  </Tag>
                ),
              },
            ]}
          />
        </Card>
      )}
    </Space>
  );
}

interface BatchOutcome {
  file: string;
  rows: number;
  found: number;
  allMatch: number;
  csv: string;
}

/** A CSV of keys and claimed values verified as a stream: progress as result rows come back, then the result file. */
function BatchVerify({ def }: { def: RegistryDefinition }) {
  const { t, lang } = useI18n();
  const [file, setFile] = useState<File>();
  const [purpose, setPurpose] = useState('');
  const [progress, setProgress] = useState<{ done: number; total: number }>();
  const keyAttr = def.attributes.find((a) => a.name === def.keyAttribute);
  const run = useMutation({
    mutationFn: async (f: File): Promise<BatchOutcome> => {
      const total = await countCsvRows(f);
      setProgress({ done: 0, total });
      const response = await sendFile(`/api/v1/registries/${encodeURIComponent(def.key)}/verify-batch`, f, CSV_TYPE, { purpose: purpose.trim() });
      let done = 0;
      let found = 0;
      let allMatch = 0;
      let header = true;
      const csv = await readLines(response, (lines) => {
        for (const line of lines) {
          if (!line.trim()) continue;
          if (header) {
            header = false;
            continue;
          }
          done++;
          const cells = line.split(',');
          if (cells[1] === 'yes') found++;
          if (cells[1] === 'yes' && cells.slice(2).every((c) => c === 'match')) allMatch++;
        }
        setProgress({ done, total });
      });
      // A run cut short on the server ends the stream early: fewer rows than were sent.
      if (done < total) throw new Error(t('registry.verify.cutShort', { done, total }));
      return { file: f.name, rows: done, found, allMatch, csv };
    },
  });
  const percent = progress && progress.total > 0 ? Math.floor((progress.done / progress.total) * 100) : run.isSuccess ? 100 : 0;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <p className="zt-muted">{t('registry.verify.batchHelp', { key: label(keyAttr, def.keyAttribute, lang), name: def.keyAttribute })}</p>
      <Space wrap>
        <Input
          aria-label={t('registry.browser.purpose')}
          placeholder={t('registry.browser.purpose')}
          style={{ width: 260 }}
          maxLength={200}
          value={purpose}
          onChange={(e) => setPurpose(e.target.value)}
        />
        <Upload
          accept=".csv,text/csv"
          maxCount={1}
          showUploadList={false}
          beforeUpload={(f) => {
            setFile(f);
            setProgress(undefined);
            run.reset();
            return false; // streamed by the run button
          }}
        >
          <Button>{t('registry.verify.choose')}</Button>
        </Upload>
        {file && <span className="zt-mono">{file.name}</span>}
        <Button type="primary" disabled={!file || purpose.trim().length < 2} loading={run.isPending} onClick={() => file && run.mutate(file)}>
          {t('registry.verify.runBatch')}
        </Button>
      </Space>
      {(run.isPending || run.isSuccess) && progress && (
        <div role="status" aria-live="polite" data-testid="verify-progress">
          <Progress percent={percent} status={run.isPending ? 'active' : 'success'} aria-label={t('registry.verify.progressLabel')} />
          <span>{t('registry.verify.progress', { done: progress.done, total: progress.total })}</span>
        </div>
      )}
      {run.isError && <ErrorState error={run.error} />}
      {run.data && (
        <Alert
          type="success"
          role="status"
          showIcon
          title={t('registry.verify.batchDone', { rows: run.data.rows, found: run.data.found, allMatch: run.data.allMatch })}
          action={
            <Button
              onClick={() =>
                saveBlob(`${run.data.file.replace(/\.csv$/i, '')}-核验结果.csv`, new Blob(['\uFEFF' + run.data.csv], { type: 'text/csv;charset=utf-8' }))
              }
            >
              {t('registry.verify.download')}
            </Button>
          }
        />
      )}
      {!file && !run.data && <Empty description={t('registry.verify.emptyFile')} />}
    </Space>
  );
}

/** 核验: a single key with claimed values, or a CSV of them streamed through the server with a progress bar and a result file. */
export default function RegistryVerifyPage() {
  const { t } = useI18n();
  return (
    <RegistryPageShell title={t('registry.verify.title')}>
      {(def) => (
        <Tabs
          items={[
            { key: 'single', label: t('registry.verify.single'), children: <SingleVerify key={def.key} def={def} /> },
            { key: 'batch', label: t('registry.verify.batch'), children: <BatchVerify key={def.key} def={def} /> },
          ]}
        />
      )}
    </RegistryPageShell>
  );
}
