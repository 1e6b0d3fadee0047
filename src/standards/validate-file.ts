/**
 * Streaming validation of one column of a CSV file. Memory stays flat whatever the file size:
 * records flow input → csv-parse → validator → output with back-pressure, and result lines are
 * batched into ~64 KB chunks.
 */
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, type Info } from 'csv-parse';
import { validationError } from '../core/errors.js';
import { csvLine } from './csv-escape.js';
import { validateIdentifier, type IdentifierOptions, type IdentifierType } from './validate-identifier.js';

export interface ValidateCsvOptions {
  type: IdentifierType;
  input: Readable;
  /** Receives the result CSV: row, value, valid, errors, warnings. */
  output: Writable;
  /** Header name (case-insensitive), or 1-based column number. Default: see validateCsvFile. */
  column?: string | number;
  /** Called every 1,000 rows and once at the end, with data rows done and input bytes read. */
  onProgress?: (rowsDone: number, bytesRead: number) => void;
  /** End `output` when done (default true); pass false for process.stdout. */
  endOutput?: boolean;
  /** Passed to the validators ("today" for birth dates). */
  validatorOptions?: IdentifierOptions;
}

export interface CsvValidationCounts {
  rows: number;
  valid: number;
  invalid: number;
}

/** Header cells that name an identifier column (compared trimmed and lower-cased). */
export const IDENTIFIER_HEADER_NAMES: readonly string[] = [
  'value',
  'id',
  'code',
  'identifier',
  'number',
  'uscc',
  'citizen_id',
  'id_number',
  'idnumber',
  'id_no',
  'licence_id',
  'license_id',
  'division',
  'division_code',
  'region_code',
  '号码',
  '身份证',
  '身份证号',
  '身份证号码',
  '公民身份号码',
  '证件号码',
  '统一社会信用代码',
  '社会信用代码',
  '信用代码',
  '代码',
  '编码',
  '行政区划代码',
  '区划代码',
  '证照标识',
  '电子证照标识',
];
const PROGRESS_EVERY = 1000;
const CHUNK_CHARS = 64 * 1024;

const norm = (s: string): string => s.trim().toLowerCase();

/** Decides from the first record whether it is a header, and which column to read (0-based). */
function chooseColumn(first: string[], column: string | number | undefined): { header: boolean; index: number } {
  const named = first.findIndex((c) => IDENTIFIER_HEADER_NAMES.includes(norm(c)));
  if (typeof column === 'string') {
    const index = first.findIndex((c) => norm(c) === norm(column));
    if (index === -1) {
      throw validationError([{ field: 'column', reason: `首行没有名为「${column}」的列（首行：${first.join(', ')}）` }]);
    }
    return { header: true, index };
  }
  if (typeof column === 'number') {
    if (!Number.isInteger(column) || column < 1) throw validationError([{ field: 'column', reason: '列号从 1 开始' }]);
    return { header: named !== -1, index: column - 1 };
  }
  return named === -1 ? { header: false, index: 0 } : { header: true, index: named };
}

function toRecord(chunk: unknown): { cells: string[]; line: number } {
  if (typeof chunk !== 'object' || chunk === null) throw new Error('csv-parse: unexpected record');
  const { record, info } = chunk as { record?: unknown; info?: Partial<Info> };
  if (!Array.isArray(record)) throw new Error('csv-parse: unexpected record');
  return { cells: record.map((c) => String(c)), line: info?.lines ?? 0 };
}

/**
 * Validates the chosen column of every data row and writes one result line per row. `row` in the
 * output is the line number in the input file (a spreadsheet's row number unless a cell spans
 * lines). The value is trimmed (inside quotes too); blank lines are skipped; a row
 * without the column counts as an empty (invalid) value.
 *
 * Column choice: a `column` name requires a header row with that name. Otherwise the first row
 * is a header when one of its cells is a known identifier column name (value, id, code, 号码…,
 * see IDENTIFIER_HEADER_NAMES); the column read is then `column` (1-based) if given, else the
 * first recognised header cell, else the first column.
 *
 * @example
 * const counts = await validateCsvFile({ type: 'uscc', input: createReadStream('in.csv'), output: createWriteStream('out.csv') });
 * // → { rows: 200, valid: 198, invalid: 2 }
 * @throws AppError VALIDATION_FAILED when `column` names no header cell or is not ≥ 1; csv-parse
 *   errors (e.g. an unclosed quote, CSV_QUOTE_NOT_CLOSED) and stream errors reject as they are
 */
export async function validateCsvFile(options: ValidateCsvOptions): Promise<CsvValidationCounts> {
  const { type, input, output, column, onProgress, endOutput = true, validatorOptions = {} } = options;
  const counts: CsvValidationCounts = { rows: 0, valid: 0, invalid: 0 };
  const parser = parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true });
  let index: number | undefined;

  async function* validateRows(records: AsyncIterable<unknown>): AsyncGenerator<string> {
    let chunk = csvLine(['row', 'value', 'valid', 'errors', 'warnings']);
    for await (const raw of records) {
      const { cells, line } = toRecord(raw);
      if (index === undefined) {
        const choice = chooseColumn(cells, column);
        index = choice.index;
        if (choice.header) continue;
      }
      const value = (cells[index] ?? '').trim(); // also inside quotes: " 110105 " means 110105
      const result = validateIdentifier(type, value, validatorOptions);
      counts.rows++;
      if (result.valid) counts.valid++;
      else counts.invalid++;
      const messages = (list: { message: string }[]): string => list.map((i) => i.message).join('; ');
      chunk += csvLine([String(line), value, String(result.valid), messages(result.errors), messages(result.warnings)]);
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
      if (counts.rows % PROGRESS_EVERY === 0) onProgress?.(counts.rows, parser.info.bytes);
    }
    if (chunk !== '') yield chunk;
  }

  await pipeline(input, parser, validateRows, output, { end: endOutput });
  onProgress?.(counts.rows, parser.info.bytes);
  return counts;
}
