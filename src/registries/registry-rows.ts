/**
 * Reads the rows of a CSV (csv-parse) or XLSX (exceljs streaming reader) file as arrays of cell
 * text, in batches, so files of a million rows stream with flat memory. Cells are arrays, not
 * header-keyed objects, and rows come a batch at a time: a bulk import reads millions, and an
 * object and an awaited step per row cost more than parsing it.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';

export interface FileRow {
  /** 1-based row number in the file: the header is row 1 and the first row read. */
  row: number;
  /** Cell text, trimmed, in column order (a short row has fewer cells). */
  cells: string[];
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

/**
 * The rows of the file, header first, in batches of up to `batchSize`; `onBytes` follows how much
 * of a CSV file has been read. Only the first worksheet of an XLSX file is read.
 *
 * @example for await (const batch of readRowBatches('people.csv')) for (const { row, cells } of batch) …
 */
export async function* readRowBatches(file: string, options: { batchSize?: number; onBytes?: (bytesRead: number) => void } = {}): AsyncGenerator<FileRow[]> {
  const size = options.batchSize ?? 500;
  let batch: FileRow[] = [];
  if (/\.xlsx$/i.test(file)) {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { sharedStrings: 'cache', worksheets: 'emit', hyperlinks: 'ignore', styles: 'ignore' });
    for await (const sheet of reader) {
      for await (const row of sheet) {
        batch.push({ row: row.number, cells: (row.values as unknown[]).slice(1).map((v) => cellText(v).trim()) });
        if (batch.length >= size) {
          yield batch;
          batch = [];
        }
      }
      break; // the first worksheet only
    }
    if (batch.length > 0) yield batch;
    return;
  }
  const input = createReadStream(file);
  const { onBytes } = options;
  if (onBytes) input.on('data', () => onBytes(input.bytesRead));
  const parser = input.pipe(parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }));
  // Row = record number (the header is record 1); a quoted cell spanning lines still counts as one row.
  let row = 0;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      batch.push({ row: ++row, cells });
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  } finally {
    // A caller that stops early (a failed import) closes the file.
    input.destroy();
  }
  if (batch.length > 0) yield batch;
}
