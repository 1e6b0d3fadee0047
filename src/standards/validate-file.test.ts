import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { csvField, csvLine } from './csv-escape.js';
import { listDivisions, makeCitizenId, makeUscc, validateCsvFile } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'zt-standards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Writable that keeps what it receives. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function run(csv: string, type: 'citizen-id' | 'uscc' | 'division', column?: string | number) {
  const out = sink();
  const counts = await validateCsvFile({
    type,
    input: Readable.from([csv]),
    output: out.stream,
    ...(column === undefined ? {} : { column }),
  });
  const lines = out.text().trimEnd().split('\r\n');
  return { counts, lines };
}

describe('validateCsvFile — 100,000 rows', () => {
  it('counts valid and invalid rows and writes one result line per row', async () => {
    const regions = listDivisions({ parent: '350100' }).map((d) => d.code);
    const path = join(dir, 'citizens.csv');
    const rows = ['name,身份证号码'];
    let expectedInvalid = 0;
    for (let i = 0; i < 100_000; i++) {
      const day = String((i % 28) + 1).padStart(2, '0');
      let id = makeCitizenId(regions[i % regions.length] ?? '350102', `19${50 + (i % 50)}-0${(i % 9) + 1}-${day}`, i % 1000);
      if (i % 10 === 0) {
        id = id.slice(0, 17) + (id.endsWith('0') ? '1' : '0'); // wrong check character
        expectedInvalid++;
      }
      rows.push(`"Person ${i}",${id}`);
    }
    writeFileSync(path, rows.join('\n') + '\n');

    const outPath = join(dir, 'citizens.result.csv');
    const progress: [number, number][] = [];
    const counts = await validateCsvFile({
      type: 'citizen-id',
      input: createReadStream(path),
      output: createWriteStream(outPath),
      onProgress: (r, b) => progress.push([r, b]),
      validatorOptions: { today: '2025-06-01' },
    });

    expect(counts).toEqual({ rows: 100_000, valid: 100_000 - expectedInvalid, invalid: expectedInvalid });
    const out = readFileSync(outPath, 'utf8').trimEnd().split('\r\n');
    expect(out).toHaveLength(100_001);
    expect(out[0]).toBe('row,value,valid,errors,warnings');
    expect(out[1]).toMatch(/^2,\d{17}[\dX],false,第 18 位校验码应为/); // header is line 1
    expect(out[2]).toMatch(/^3,\d{17}[\dX],true,,$/);
    expect(progress.length).toBeGreaterThanOrEqual(100);
    expect(progress.at(-1)).toEqual([100_000, readFileSync(path).length]);
  }, 60_000);
});

describe('validateCsvFile — columns and headers', () => {
  const uscc = '91350100M000100Y43';
  const other = makeUscc('9', '2', '350102', 'MA000001');

  it('without a header, reads the first column', async () => {
    const { counts, lines } = await run(`${uscc},x\n${other},y\nbad,z\n`, 'uscc');
    expect(counts).toEqual({ rows: 3, valid: 2, invalid: 1 });
    expect(lines[1]).toBe(`1,${uscc},true,,`);
    expect(lines[3]).toMatch(/^3,bad,false,统一社会信用代码应为 18 位/);
  });

  it('detects a header by a known column name and reads that column', async () => {
    const { counts, lines } = await run(`名称,统一社会信用代码\n甲公司,${uscc}\n乙公司,${other}\n`, 'uscc');
    expect(counts).toEqual({ rows: 2, valid: 2, invalid: 0 });
    expect(lines[1]).toBe(`2,${uscc},true,,`);
  });

  it('takes a column by name (requiring a header) or by 1-based number', async () => {
    expect((await run(`a,b\n110105,x\n999999,y\n`, 'division', 'A')).counts).toEqual({ rows: 2, valid: 1, invalid: 1 });
    expect((await run(`x,110105\ny,350100\n`, 'division', 2)).counts).toEqual({ rows: 2, valid: 2, invalid: 0 });
    expect((await run(`name,code\nx,110105\n`, 'division', 2)).counts).toEqual({ rows: 1, valid: 1, invalid: 0 });
  });

  it('rejects an unknown column name or a column number below 1', async () => {
    await expect(run(`a,b\n1,2\n`, 'division', 'code')).rejects.toBeInstanceOf(AppError);
    await expect(run(`a,b\n1,2\n`, 'division', 0)).rejects.toBeInstanceOf(AppError);
  });

  it('handles BOM, quotes, CRLF, blank lines, short rows and trims cells', async () => {
    const { counts, lines } = await run(`\uFEFFid,note\r\n" 110105 ","a, ""quoted"" note"\r\n\r\n350100\r\n`, 'division');
    expect(counts).toEqual({ rows: 2, valid: 2, invalid: 0 });
    expect(lines[1]).toBe('2,110105,true,,');
    expect(lines[2]).toBe('4,350100,true,,'); // row = line number in the input
    const short = await run(`x,110105\ny\n`, 'division', 2);
    expect(short.counts).toEqual({ rows: 2, valid: 1, invalid: 1 });
    expect(short.lines[2]).toMatch(/^2,,false,行政区划代码为空/);
  });

  it('reports warnings in their own column', async () => {
    const { lines } = await run(`130171\n`, 'division');
    expect(lines[1]).toMatch(/^1,130171,true,,.*统计用区划代码/);
  });

  it('rejects malformed CSV', async () => {
    await expect(run(`"110105\n`, 'division')).rejects.toThrow();
  });
});

describe('csvField', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1')).toBe("'-1");
    expect(csvLine(['1', 'a,b', ''])).toBe('1,"a,b",\r\n');
  });
});
