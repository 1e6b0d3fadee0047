/**
 * Reads the rows of a CSV (csv-parse) or XLSX (exceljs streaming reader) file as header-keyed
 * text, one at a time, so files of a million rows stream with flat memory.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';

export interface FileRow {
  /** 1-based row number in the file (the header is row 1). */
  row: number;
  cells: Record<string, string>;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    const o = v as { text?: unknown; result?: unknown; richText?: Array<{ text: string }> };
    if (o.richText) return o.richText.map((r) => r.text).join('');
    if (o.text !== undefined) return String(o.text);
    if (o.result !== undefined) return String(o.result);
    return JSON.stringify(v);
  }
  return String(v);
}

/** The rows of the file, keyed by its header cells; `onBytes` follows how much of a CSV file has been read. */
export async function* readRows(file: string, onBytes?: (bytesRead: number) => void): AsyncGenerator<FileRow> {
  if (/\.xlsx$/i.test(file)) {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { sharedStrings: 'cache', worksheets: 'emit', hyperlinks: 'ignore', styles: 'ignore' });
    for await (const sheet of reader) {
      let header: string[] | undefined;
      for await (const row of sheet) {
        const values = (row.values as unknown[]).slice(1).map(cellText);
        if (!header) {
          header = values.map((h) => h.trim());
          continue;
        }
        const cells: Record<string, string> = {};
        header.forEach((h, i) => (cells[h] = (values[i] ?? '').trim()));
        yield { row: row.number, cells };
      }
      return; // the first worksheet only
    }
    return;
  }
  const input = createReadStream(file);
  if (onBytes) input.on('data', () => onBytes(input.bytesRead));
  const parser = input.pipe(
    parse({ columns: (h: string[]) => h.map((x) => x.trim()), bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }),
  );
  // Row = record number + 1 (the header); a quoted cell spanning lines still counts as one row.
  let row = 1;
  for await (const record of parser as AsyncIterable<Record<string, string>>) yield { row: ++row, cells: record };
}
