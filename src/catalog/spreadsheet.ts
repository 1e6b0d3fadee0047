import { parse } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';

/** exceljs is loaded on first use: it takes half a second to import, and most commands never touch a spreadsheet. */
const loadExcel = async (): Promise<typeof ExcelJS> => (await import('exceljs')).default;
import {
  FORMAT_TYPES,
  ITEM_TYPES,
  OPEN_TYPES,
  SHARE_METHODS,
  SHARE_TYPES,
  UPDATE_CYCLES,
  type DataItem,
  type FormatType,
  type OpenType,
  type ResourceInput,
  type ResourceLink,
  type ShareMethod,
  type ShareType,
  type UpdateCycle,
} from './catalog.model.js';
import type { Resource } from './resource.presenter.js';

/**
 * The catalog spreadsheet (编目模板): one resource per row under Chinese headers, as departments
 * compile catalogs. Code lists accept the Chinese label or the code. Lists inside a cell are
 * separated by 、 ; ；or a line break; a data item is `名称|字段标识|类型|长度|数据元`.
 */
export const COLUMNS = [
  { key: 'classCode', header: '分类代码', example: '101', width: 10 },
  { key: 'name', header: '信息资源名称', example: '常住人口户籍信息', width: 24 },
  { key: 'abstract', header: '信息资源摘要', example: '常住人口的户籍登记信息，用于身份核验。', width: 40 },
  { key: 'formatType', header: '信息资源格式', example: '数据库', width: 12 },
  { key: 'formatDetail', header: '格式说明', example: 'JSON API', width: 12 },
  { key: 'items', header: '信息项', example: '姓名|name|C|50；公民身份号码|idNumber|C|18|DE00002', width: 50 },
  { key: 'shareType', header: '共享类型', example: '有条件共享', width: 12 },
  { key: 'shareCondition', header: '共享条件', example: '仅限办理政务服务事项时核验身份', width: 30 },
  { key: 'shareBasis', header: '不予共享依据', example: '', width: 30 },
  { key: 'shareMethods', header: '共享方式', example: '服务接口', width: 14 },
  { key: 'openType', header: '开放属性', example: '不予开放', width: 12 },
  { key: 'openCondition', header: '开放条件', example: '', width: 20 },
  { key: 'updateCycle', header: '更新周期', example: '每日', width: 10 },
  { key: 'keywords', header: '关键词', example: '户籍、人口', width: 20 },
  { key: 'relatedCodes', header: '关联资源代码', example: '', width: 16 },
  { key: 'maintainer', header: '元数据维护方', example: '户政管理处', width: 20 },
  { key: 'links', header: '交换服务或接口', example: 'CN-DEMO/GOV/11350100MB0000001X/hukou/persons', width: 40 },
] as const;

export type ColumnKey = (typeof COLUMNS)[number]['key'];
const HEADER_OF = new Map<string, string>(COLUMNS.map((c) => [c.key, c.header]));

/** The column a field issue (`items.2.type`, `shareCondition`) belongs to. */
export function columnOf(field: string): string {
  return HEADER_OF.get(field.split('.')[0]!) ?? field;
}

export interface SheetError {
  /** Spreadsheet row number (the header is row 1). */
  row: number;
  column: string;
  reason: string;
}

export interface SheetRow {
  row: number;
  input: ResourceInput;
  /** Problems found while reading cells (unknown labels…); the catalog rules are checked later. */
  errors: SheetError[];
}

const splitList = (v: string) =>
  v
    .split(/[、;；\n\r,，]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function codeOf<T extends string>(table: Record<T, string | { zh: string }>, value: string): T | undefined {
  const v = value.trim();
  if (v in table) return v as T;
  for (const [code, label] of Object.entries(table) as Array<[T, string | { zh: string }]>) {
    const zh = typeof label === 'string' ? label : label.zh;
    if (zh === v) return code;
  }
  return undefined;
}

/** Reads one row of cells (by header) into a resource; unreadable cells become errors. */
export function rowToInput(cells: Record<string, string>, row: number): SheetRow {
  const errors: SheetError[] = [];
  const cell = (key: ColumnKey) => (cells[HEADER_OF.get(key)!] ?? '').trim();
  const bad = (key: ColumnKey, reason: string) => errors.push({ row, column: HEADER_OF.get(key)!, reason });
  const coded = <T extends string>(key: ColumnKey, table: Record<T, string | { zh: string }>): T => {
    const v = cell(key);
    const code = codeOf(table, v);
    if (!code) {
      const labels = Object.values(table).map((l) => (typeof l === 'string' ? l : (l as { zh: string }).zh));
      bad(key, v ? `“${v}”不是可选值（${labels.join('、')}）` : '不能为空 (required)');
    }
    return (code ?? v) as T;
  };
  const items: DataItem[] = splitList(cell('items').replace(/,|，/g, '；')).map((spec, i) => {
    const [name = '', field = '', type = '', length = '', element = ''] = spec.split('|').map((s) => s.trim());
    const n = length ? Number(length) : null;
    if (length && !Number.isInteger(n)) bad('items', `第 ${i + 1} 个信息项的长度“${length}”不是整数`);
    const t = type.toUpperCase();
    if (!(t in ITEM_TYPES)) bad('items', `第 ${i + 1} 个信息项的类型“${type}”应为 ${Object.keys(ITEM_TYPES).join('')} 之一`);
    return { name, field, type: t as DataItem['type'], length: n, element: element || null };
  });
  const shareMethods = splitList(cell('shareMethods')).map((m) => {
    const code = codeOf<ShareMethod>(SHARE_METHODS, m);
    if (!code) bad('shareMethods', `“${m}”应为 数据库、文件、服务接口 之一`);
    return (code ?? m) as ShareMethod;
  });
  const links: ResourceLink[] = splitList(cell('links')).map((ref) => ({ kind: /^https?:\/\//.test(ref) ? 'api' : 'service', ref, title: null }));
  const input: ResourceInput = {
    classCode: cell('classCode'),
    name: cell('name'),
    abstract: cell('abstract'),
    formatType: coded<FormatType>('formatType', FORMAT_TYPES),
    formatDetail: cell('formatDetail') || null,
    items,
    shareType: coded<ShareType>('shareType', SHARE_TYPES),
    shareCondition: cell('shareCondition') || null,
    shareBasis: cell('shareBasis') || null,
    shareMethods,
    openType: coded<OpenType>('openType', OPEN_TYPES),
    openCondition: cell('openCondition') || null,
    updateCycle: coded<UpdateCycle>('updateCycle', UPDATE_CYCLES),
    keywords: splitList(cell('keywords')),
    relatedCodes: splitList(cell('relatedCodes')),
    maintainer: cell('maintainer'),
    links,
  };
  return { row, input, errors };
}

const blankRow = (cells: Record<string, string>) => Object.values(cells).every((v) => !v.trim());

/** Reads a CSV or XLSX catalog file. Rows that are entirely blank are skipped. */
export async function readCatalogSheet(data: Buffer, kind: 'csv' | 'xlsx'): Promise<{ rows: SheetRow[]; missingColumns: string[] }> {
  let records: Array<{ row: number; cells: Record<string, string> }> = [];
  let headers: string[] = [];
  if (kind === 'csv') {
    const table = parse(data, { bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][];
    headers = (table[0] ?? []).map((h) => h.trim());
    records = table.slice(1).map((cells, i) => ({ row: i + 2, cells: Object.fromEntries(headers.map((h, j) => [h, cells[j] ?? ''])) }));
  } else {
    const wb = new (await loadExcel()).Workbook();
    await wb.xlsx.load(data as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    if (ws) {
      const text = (v: ExcelJS.CellValue): string => {
        if (v === null || v === undefined) return '';
        if (typeof v === 'object' && 'richText' in v) return v.richText.map((t) => t.text).join('');
        if (typeof v === 'object' && 'text' in v) return String(v.text);
        if (v instanceof Date) return v.toISOString().slice(0, 10);
        if (typeof v === 'object' && 'result' in v) return String(v.result ?? '');
        return String(v as string | number | boolean);
      };
      headers = ((ws.getRow(1).values as ExcelJS.CellValue[]) ?? []).slice(1).map((v) => text(v).trim());
      for (let r = 2; r <= ws.rowCount; r++) {
        const values = ws.getRow(r).values as ExcelJS.CellValue[];
        records.push({ row: r, cells: Object.fromEntries(headers.map((h, j) => [h, text(values[j + 1])])) });
      }
    }
  }
  const missingColumns = COLUMNS.filter(
    (c) => !['formatDetail', 'shareCondition', 'shareBasis', 'openCondition', 'relatedCodes', 'links', 'keywords'].includes(c.key),
  )
    .map((c) => c.header)
    .filter((h) => !headers.includes(h));
  return { rows: records.filter((r) => !blankRow(r.cells)).map((r) => rowToInput(r.cells, r.row)), missingColumns };
}

/** The cells of a resource under the template's headers (labels, not codes). */
export function resourceToCells(
  r: Pick<
    Resource,
    | 'classCode'
    | 'name'
    | 'abstract'
    | 'formatLabel'
    | 'formatDetail'
    | 'items'
    | 'shareLabel'
    | 'shareCondition'
    | 'shareBasis'
    | 'shareMethods'
    | 'openLabel'
    | 'openCondition'
    | 'updateCycleLabel'
    | 'keywords'
    | 'relatedCodes'
    | 'maintainer'
    | 'links'
  >,
): string[] {
  const byKey: Record<ColumnKey, string> = {
    classCode: r.classCode,
    name: r.name,
    abstract: r.abstract,
    formatType: r.formatLabel,
    formatDetail: r.formatDetail ?? '',
    items: r.items.map((i) => [i.name, i.field, i.type, i.length ?? '', i.element ?? ''].join('|').replace(/\|+$/, '')).join('；'),
    shareType: r.shareLabel,
    shareCondition: r.shareCondition ?? '',
    shareBasis: r.shareBasis ?? '',
    shareMethods: r.shareMethods.map((m) => SHARE_METHODS[m]).join('、'),
    openType: r.openLabel,
    openCondition: r.openCondition ?? '',
    updateCycle: r.updateCycleLabel,
    keywords: r.keywords.join('、'),
    relatedCodes: r.relatedCodes.join('、'),
    maintainer: r.maintainer,
    links: r.links.map((l) => l.ref).join('；'),
  };
  return COLUMNS.map((c) => byKey[c.key]);
}

/** One CSV field: quoted when needed; a leading = + - @ gets an apostrophe so spreadsheets never run it as a formula. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A CSV (UTF-8 with BOM, so Excel/WPS read the Chinese) or XLSX file with the given code/rows, extra columns first. */
export async function writeCatalogSheet(rows: Array<{ code?: string; cells: string[] }>, kind: 'csv' | 'xlsx'): Promise<Buffer> {
  const withCode = rows.some((r) => r.code);
  const headers = [...(withCode ? ['信息资源代码'] : []), ...COLUMNS.map((c) => c.header)];
  const lines = rows.map((r) => [...(withCode ? [r.code ?? ''] : []), ...r.cells]);
  if (kind === 'csv') return Buffer.from('\ufeff' + [headers, ...lines].map((l) => l.map(csvField).join(',') + '\r\n').join(''), 'utf8');
  const wb = new (await loadExcel()).Workbook();
  wb.creator = 'zhengtong';
  const ws = wb.addWorksheet('信息资源目录');
  ws.columns = headers.map((h, i) => ({ header: h, width: i === 0 && withCode ? 16 : (COLUMNS.find((c) => c.header === h)?.width ?? 16) }));
  ws.getRow(1).font = { bold: true };
  for (const l of lines) ws.addRow(l.map((v) => (/^[=+\-@]/.test(v) ? `'${v}` : v)));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The downloadable template: headers and one example row. */
export function catalogTemplate(kind: 'csv' | 'xlsx'): Promise<Buffer> {
  return writeCatalogSheet([{ cells: COLUMNS.map((c) => c.example) }], kind);
}
