import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Checkbox, Empty, Progress, Space, Tag, Upload } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError } from '../../api/client';
import type { ReplyOf } from '../../api/types';
import { ErrorState } from '../../components/states';
import { useI18n } from '../../i18n';
import { readLines, sendFile, spreadsheetType } from '../file-transfer';
import { RowErrorsTable, type RowError } from '../row-errors-table';
import { CatalogExportButtons } from './export-buttons';

type ImportReply = ReplyOf<'/api/v1/catalog/import', 'post'>;

/** One line of the streamed reply (`Accept: application/x-ndjson`). */
interface Line {
  progress?: { phase: 'check' | 'write'; done: number; total: number };
  result?: ImportReply;
  failed?: { code: string; message: string; details: { errors?: RowError[] } | null };
}

/** What one run ended in: the import's counts, or the file's bad rows (nothing written). */
type Outcome = { kind: 'imported'; file: string; reply: ImportReply } | { kind: 'invalid'; file: string; message: string; errors: RowError[] };

const sizeText = (bytes: number) => (bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

/**
 * 目录导入: download the template, upload a filled-in CSV/XLSX; a file with any bad row writes
 * nothing and lists every bad row (row, column, reason), unless 跳过错误行 is chosen. The import
 * is one request whose reply streams the server's progress (rows checked, then rows written), so
 * the bar shows real figures: while the file uploads it says so without a percentage.
 */
export default function CatalogImportPage() {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File>();
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [progress, setProgress] = useState<Line['progress']>();
  const run = useMutation({
    mutationFn: async (f: File): Promise<Outcome> => {
      setProgress(undefined);
      const response = await sendFile('/api/v1/catalog/import', f, spreadsheetType(f), { skipInvalid }, 'application/x-ndjson');
      let end: Line = {};
      await readLines(response, (lines) => {
        for (const text of lines) {
          if (!text.trim()) continue;
          const line = JSON.parse(text) as Line;
          if (line.progress) setProgress(line.progress);
          else end = line;
        }
      });
      if (end.result) return { kind: 'imported', file: f.name, reply: end.result };
      const errors = end.failed?.details?.errors;
      if (end.failed?.code === 'CATALOG_IMPORT_INVALID' && errors) return { kind: 'invalid', file: f.name, message: end.failed.message, errors };
      if (end.failed) throw new ApiError(200, end.failed.code, end.failed.message);
      throw new Error(t('catalog.import.cutShort'));
    },
    onSuccess: (o) => o.kind === 'imported' && queryClient.invalidateQueries({ queryKey: ['catalog'] }),
  });
  const outcome = run.data;
  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('catalog.import.title')}</h1>
      <p className="zt-muted">{t('catalog.import.help')}</p>
      <Space wrap>
        <span>{t('catalog.import.template')}</span>
        <Button href="/api/v1/catalog/template.xlsx" download="catalog-template.xlsx">
          {t('catalog.import.templateXlsx')}
        </Button>
        <Button href="/api/v1/catalog/template.csv" download="catalog-template.csv">
          {t('catalog.import.templateCsv')}
        </Button>
      </Space>
      <Space wrap>
        <Upload
          accept=".csv,.xlsx,text/csv"
          maxCount={1}
          showUploadList={false}
          beforeUpload={(f) => {
            setFile(f);
            run.reset();
            return false; // sent by the import button as the raw request body
          }}
        >
          <Button>{t('catalog.import.choose')}</Button>
        </Upload>
        {file && (
          <span className="zt-mono" data-testid="catalog-import-file">
            {file.name}（{sizeText(file.size)}）
          </span>
        )}
        <Checkbox checked={skipInvalid} onChange={(e) => setSkipInvalid(e.target.checked)}>
          {t('catalog.import.skipInvalid')}
        </Checkbox>
        <Button type="primary" disabled={!file} loading={run.isPending} onClick={() => file && run.mutate(file)}>
          {t('catalog.import.run')}
        </Button>
      </Space>
      {run.isPending && file && (
        <div role="status" aria-live="polite" data-testid="catalog-import-progress">
          <Progress
            percent={progress ? Math.floor((progress.done / Math.max(progress.total, 1)) * 100) : 100}
            status="active"
            showInfo={!!progress}
            aria-label={t('catalog.import.running', { file: file.name })}
          />
          <span>
            {progress
              ? t(progress.phase === 'check' ? 'catalog.import.checking' : 'catalog.import.writing', { done: progress.done, total: progress.total })
              : t('catalog.import.running', { file: file.name })}
          </span>
        </div>
      )}
      {run.isError && <ErrorState error={run.error} />}
      {outcome?.kind === 'invalid' && (
        <>
          <Alert
            type="error"
            role="alert"
            showIcon
            title={t('catalog.import.invalid', { file: outcome.file, count: outcome.errors.length })}
            description={outcome.message}
          />
          <RowErrorsTable errors={outcome.errors} testId="catalog-import-errors" />
        </>
      )}
      {outcome?.kind === 'imported' && (
        <>
          <Alert
            type={outcome.reply.skipped > 0 ? 'warning' : 'success'}
            role="status"
            showIcon
            title={t('catalog.import.done', { file: outcome.file, created: outcome.reply.created, skipped: outcome.reply.skipped })}
            description={
              <Space wrap>
                {outcome.reply.codes.slice(0, 20).map((c) => (
                  <Tag key={c} className="zt-mono">
                    {c}
                  </Tag>
                ))}
                {outcome.reply.codes.length > 20 && <span>…</span>}
              </Space>
            }
          />
          <Link to="/console/catalog-mine">{t('catalog.import.toMine')}</Link>
          {outcome.reply.errors.length > 0 && <RowErrorsTable errors={outcome.reply.errors} testId="catalog-import-errors" />}
        </>
      )}
      {!file && !outcome && <Empty description={t('catalog.import.empty')} />}
      <h2>{t('catalog.export.title')}</h2>
      <CatalogExportButtons />
    </section>
  );
}
