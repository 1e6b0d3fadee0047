import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Empty, Form, Input, Select, Space, Switch, Table, Tabs, Tag, Upload } from 'antd';
import { useState } from 'react';
import { call } from '../api/client';
import type { IdentifierType, ReplyOf, ValidationIssue, ValidationResult } from '../api/types';
import { applyServerErrors } from '../components/form-errors';
import { ErrorState } from '../components/states';
import { useI18n } from '../i18n';
import type { MessageKey } from '../messages/zh-cn';

const TYPES: readonly IdentifierType[] = ['citizen-id', 'uscc', 'division', 'licence-id'];
type BatchReply = ReplyOf<'/api/v1/standards/validate-batch', 'post'>;
type BatchRow = BatchReply['results'][number];

function useTypeOptions() {
  const { t } = useI18n();
  return TYPES.map((v) => ({ value: v, label: t(`console.ids.type.${v}` as MessageKey) }));
}

/** One reason: the message in the current language, with its 1-based position and the expected character. */
function IssueText({ issue }: { issue: ValidationIssue }) {
  const { t, lang } = useI18n();
  return (
    <span>
      {issue.position !== undefined && <Tag>{t('console.ids.position', { position: issue.position })}</Tag>}
      {lang === 'en' ? issue.messageEn : issue.message}
      {issue.expected !== undefined && <span className="zt-muted">（{t('console.ids.expected', { expected: issue.expected })}）</span>}
    </span>
  );
}

/** The value with the characters an error points at marked, so the position is visible. */
function MarkedValue({ value, issues }: { value: string; issues: ValidationIssue[] }) {
  const bad = new Set(issues.map((i) => i.position).filter((p): p is number => p !== undefined));
  return (
    <code className="zt-marked" aria-hidden="true">
      {[...value].map((c, i) =>
        bad.has(i + 1) ? (
          <mark key={i} title={String(i + 1)}>
            {c}
          </mark>
        ) : (
          <span key={i}>{c}</span>
        ),
      )}
    </code>
  );
}

function SingleCheck() {
  const { t } = useI18n();
  const [form] = Form.useForm<{ type: IdentifierType; value: string }>();
  const typeOptions = useTypeOptions();
  const check = useMutation({
    mutationFn: (v: { type: IdentifierType; value: string }) => call('get', '/api/v1/standards/validate', { query: { type: v.type, value: v.value.trim() } }),
    onError: (e) => applyServerErrors(form, e, ['type', 'value']),
  });
  const r: ValidationResult | undefined = check.data;
  const checked = check.variables?.value.trim() ?? '';
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Form form={form} layout="inline" initialValues={{ type: 'citizen-id' }} onFinish={(v) => check.mutate(v)}>
        <Form.Item name="type" label={t('console.ids.type')}>
          <Select style={{ width: 280 }} options={typeOptions} />
        </Form.Item>
        <Form.Item name="value" label={t('console.ids.value')} rules={[{ required: true, message: t('form.required', { field: t('console.ids.value') }) }]}>
          <Input style={{ width: 260 }} maxLength={200} className="zt-mono" />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit" loading={check.isPending}>
            {t('console.ids.check')}
          </Button>
        </Form.Item>
      </Form>
      {check.isError && !(check.error instanceof Error && form.getFieldsError().some((f) => f.errors.length > 0)) && <ErrorState error={check.error} />}
      {r && (
        <Card size="small" aria-live="polite">
          <Space orientation="vertical">
            <Space>
              <Tag color={r.valid ? 'default' : 'error'}>{t(r.valid ? 'console.ids.valid' : 'console.ids.invalid')}</Tag>
              <MarkedValue value={checked} issues={r.errors} />
            </Space>
            {r.errors.length > 0 && (
              <ul className="zt-issues">
                {r.errors.map((e, i) => (
                  <li key={i}>
                    <IssueText issue={e} />
                  </li>
                ))}
              </ul>
            )}
            {r.warnings.length > 0 && (
              <Alert
                type="warning"
                showIcon
                title={t('console.ids.warnings')}
                description={
                  <ul className="zt-issues">
                    {r.warnings.map((w, i) => (
                      <li key={i}>
                        <IssueText issue={w} />
                      </li>
                    ))}
                  </ul>
                }
              />
            )}
            {r.valid && Object.keys(r.parsed).length > 0 && (
              <Descriptions size="small" title={t('console.ids.parsed')} column={1} bordered>
                {Object.entries(r.parsed).map(([k, v]) => (
                  <Descriptions.Item key={k} label={k}>
                    {typeof v === 'object' ? JSON.stringify(v) : String(v)}
                  </Descriptions.Item>
                ))}
              </Descriptions>
            )}
          </Space>
        </Card>
      )}
    </Space>
  );
}

/** A CSV cell: quoted when it holds a comma, quote or line break; a leading =+-@ is neutralised (no formula injection in Excel). */
function csvCell(value: string | number): string {
  let v = String(value);
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** Saves the results as `<file>-校验结果.csv` (UTF-8 with a BOM, so Excel reads the Chinese right). */
function downloadResults(fileName: string, results: BatchRow[], { t, lang }: ReturnType<typeof useI18n>) {
  const reasons = (r: BatchRow) => [...r.errors, ...r.warnings].map((e) => (lang === 'en' ? e.messageEn : e.message)).join(lang === 'en' ? '; ' : '；');
  const lines = [
    [t('console.ids.row'), t('console.ids.value'), t('console.ids.check'), t('console.ids.reasons')].map(csvCell).join(','),
    ...results.map((r) => [r.row, r.value, t(r.valid ? 'console.ids.valid' : 'console.ids.invalid'), reasons(r)].map(csvCell).join(',')),
  ];
  const url = URL.createObjectURL(new Blob(['\uFEFF' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${fileName.replace(/\.csv$/i, '')}-校验结果.csv`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function FileCheck() {
  const i18n = useI18n();
  const { t } = i18n;
  const typeOptions = useTypeOptions();
  const [type, setType] = useState<IdentifierType>('uscc');
  const [column, setColumn] = useState('');
  const [file, setFile] = useState<{ name: string; text: string }>();
  const [onlyInvalid, setOnlyInvalid] = useState(false);
  const run = useMutation({
    mutationFn: (f: { name: string; text: string }) => {
      const col = column.trim();
      return call('post', '/api/v1/standards/validate-batch', {
        body: { type, csv: f.text, ...(col ? { column: /^\d+$/.test(col) ? Number(col) : col } : {}) },
      });
    },
  });
  const rows = (run.data?.results ?? []).filter((r) => !onlyInvalid || !r.valid);
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <p className="zt-muted">{t('console.ids.uploadHelp')}</p>
      <Space wrap>
        <Select aria-label={t('console.ids.type')} style={{ width: 280 }} value={type} onChange={setType} options={typeOptions} />
        <Input
          aria-label={t('console.ids.column')}
          placeholder={t('console.ids.column')}
          style={{ width: 200 }}
          value={column}
          onChange={(e) => setColumn(e.target.value)}
        />
        <Upload
          accept=".csv,text/csv"
          maxCount={1}
          showUploadList={false}
          beforeUpload={async (f) => {
            setFile({ name: f.name, text: await f.text() });
            run.reset();
            return false; // read in the browser, sent as JSON; nothing is uploaded by the component itself
          }}
        >
          <Button>{t('console.ids.upload')}</Button>
        </Upload>
        {file && <span className="zt-mono">{file.name}</span>}
        <Button type="primary" disabled={!file} loading={run.isPending} onClick={() => file && run.mutate(file)}>
          {t('console.ids.run')}
        </Button>
      </Space>
      {run.isError && <ErrorState error={run.error} />}
      {run.data && file && (
        <>
          <Space wrap>
            <Alert
              role="status"
              showIcon
              type={run.data.invalid === 0 ? 'success' : 'warning'}
              title={t('console.ids.summary', { file: file.name, rows: run.data.rows, valid: run.data.valid, invalid: run.data.invalid })}
            />
            <label>
              <Switch size="small" checked={onlyInvalid} onChange={setOnlyInvalid} /> {t('console.ids.onlyInvalid')}
            </label>
            <Button onClick={() => downloadResults(file.name, run.data.results, i18n)}>{t('console.ids.download')}</Button>
          </Space>
          <Table<BatchRow>
            rowKey="row"
            size="small"
            dataSource={rows}
            pagination={{ pageSize: 50, showSizeChanger: false }}
            locale={{ emptyText: <Empty /> }}
            columns={[
              { title: t('console.ids.row'), dataIndex: 'row', width: 80 },
              { title: t('console.ids.value'), dataIndex: 'value', render: (v: string, r) => <MarkedValue value={v} issues={r.errors} /> },
              {
                title: t('console.ids.check'),
                dataIndex: 'valid',
                width: 90,
                render: (v: boolean) => <Tag color={v ? 'default' : 'error'}>{t(v ? 'console.ids.valid' : 'console.ids.invalid')}</Tag>,
              },
              {
                title: t('console.ids.reasons'),
                key: 'reasons',
                render: (_: unknown, r) => (
                  <ul className="zt-issues">
                    {[...r.errors, ...r.warnings].map((e, i) => (
                      <li key={i}>
                        <IssueText issue={e} />
                      </li>
                    ))}
                  </ul>
                ),
              },
            ]}
          />
        </>
      )}
      {!file && !run.data && <Empty description={t('console.ids.emptyFile')} />}
    </Space>
  );
}

/** The identifier checker: one value with its reasons and positions, or a CSV file with a results table. */
export function IdentifiersPage() {
  const { t } = useI18n();
  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('console.ids.title')}</h1>
      <Tabs
        items={[
          { key: 'single', label: t('console.ids.single'), children: <SingleCheck /> },
          { key: 'file', label: t('console.ids.file'), children: <FileCheck /> },
        ]}
      />
    </section>
  );
}
