import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Checkbox, Empty, Input, Progress, Space, Upload } from 'antd';
import { useState } from 'react';
import { ErrorState } from '../../components/states';
import { useI18n } from '../../i18n';
import { countCsvRows, readLines, sendFile, spreadsheetType, XLSX_TYPE } from '../file-transfer';
import { RowErrorsTable, type RowError } from '../row-errors-table';
import { label, type RegistryDefinition } from './registry-data';
import { RegistryPageShell } from './registry-select';

interface ImportResult {
  rows: number;
  invalidRows: number;
  created: number;
  updated: number;
  unchanged: number;
  written: boolean;
}
/** One NDJSON line of POST /api/v1/registries/{registry}/import. */
interface Line {
  progress?: { phase: 'validate' | 'write'; rows: number };
  rejected?: RowError;
  result?: ImportResult;
  failed?: { code: string; message: string };
}
interface Outcome {
  file: string;
  result?: ImportResult;
  failed?: { code: string; message: string };
}

/** 批量导入: a CSV/XLSX file into a registry, all or nothing; progress, every rejected row and the result stream back. */
function RegistryImport({ def }: { def: RegistryDefinition }) {
  const { t, lang } = useI18n();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File>();
  const [reason, setReason] = useState(t('registry.import.defaultReason'));
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [progress, setProgress] = useState<{ rows: number; total?: number; phase: string }>();
  const [rejected, setRowError] = useState<RowError[]>([]);
  const run = useMutation({
    mutationFn: async (f: File): Promise<Outcome> => {
      const type = spreadsheetType(f);
      const total = type === XLSX_TYPE ? undefined : await countCsvRows(f);
      setRowError([]);
      setProgress({ rows: 0, ...(total !== undefined ? { total } : {}), phase: 'upload' });
      const response = await sendFile(`/api/v1/registries/${encodeURIComponent(def.key)}/import`, f, type, { reason: reason.trim(), skipInvalid });
      const outcome: Outcome = { file: f.name };
      const bad: RowError[] = [];
      await readLines(response, (lines) => {
        for (const text of lines) {
          if (!text.trim()) continue;
          const line = JSON.parse(text) as Line;
          if (line.rejected) bad.push(line.rejected);
          if (line.progress) setProgress({ rows: line.progress.rows, ...(total !== undefined ? { total } : {}), phase: line.progress.phase });
          if (line.result) outcome.result = line.result;
          if (line.failed) outcome.failed = line.failed;
        }
        setRowError([...bad]);
      });
      if (!outcome.result && !outcome.failed) throw new Error(t('registry.import.cutShort'));
      if (outcome.result) await queryClient.invalidateQueries({ queryKey: ['registries'] });
      return outcome;
    },
  });
  const keyAttr = def.attributes.find((a) => a.name === def.keyAttribute);
  const percent = progress?.total ? Math.min(100, Math.floor((progress.rows / progress.total) * 100)) : run.isSuccess ? 100 : 0;
  const outcome = run.data;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <p className="zt-muted">{t('registry.import.help', { key: label(keyAttr, def.keyAttribute, lang) })}</p>
      <Space wrap>
        <span aria-hidden="true">{t('registry.import.reason')}</span>
        <Input aria-label={t('registry.import.reason')} style={{ width: 220 }} maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} />
        <Upload
          accept=".csv,.xlsx,text/csv"
          maxCount={1}
          showUploadList={false}
          beforeUpload={(f) => {
            setFile(f);
            setProgress(undefined);
            setRowError([]);
            run.reset();
            return false; // sent by the import button
          }}
        >
          <Button>{t('registry.import.choose')}</Button>
        </Upload>
        {file && <span className="zt-mono">{file.name}</span>}
        <Checkbox checked={skipInvalid} onChange={(e) => setSkipInvalid(e.target.checked)}>
          {t('catalog.import.skipInvalid')}
        </Checkbox>
        <Button type="primary" disabled={!file || reason.trim().length < 2} loading={run.isPending} onClick={() => file && run.mutate(file)}>
          {t('registry.import.run')}
        </Button>
      </Space>
      {progress && (run.isPending || run.isSuccess) && (
        <div role="status" aria-live="polite" data-testid="registry-import-progress">
          <Progress
            percent={percent}
            status={run.isPending ? 'active' : outcome?.failed ? 'exception' : 'success'}
            showInfo={progress.total !== undefined}
            aria-label={t('registry.import.progressLabel')}
          />
          <span>
            {progress.total !== undefined
              ? t('registry.import.progress', { rows: progress.rows, total: progress.total })
              : t('registry.import.progressRows', { rows: progress.rows })}
          </span>
        </div>
      )}
      {run.isError && <ErrorState error={run.error} />}
      {outcome?.failed && (
        <Alert type="error" role="alert" showIcon title={t('registry.import.failed', { file: outcome.file })} description={outcome.failed.message} />
      )}
      {outcome?.result && (
        <Alert
          type={outcome.result.invalidRows > 0 ? 'warning' : 'success'}
          role="status"
          showIcon
          title={t('registry.import.done', {
            file: outcome.file,
            rows: outcome.result.rows,
            created: outcome.result.created,
            updated: outcome.result.updated,
            unchanged: outcome.result.unchanged,
            invalid: outcome.result.invalidRows,
          })}
        />
      )}
      {rejected.length > 0 && <RowErrorsTable errors={rejected} testId="registry-import-errors" />}
      {!file && !outcome && <Empty description={t('registry.import.empty')} />}
    </Space>
  );
}

/** The registry bulk import page: choose the registry, then the file. */
export default function RegistryImportPage() {
  const { t } = useI18n();
  return <RegistryPageShell title={t('registry.import.title')}>{(def) => <RegistryImport key={def.key} def={def} />}</RegistryPageShell>;
}
