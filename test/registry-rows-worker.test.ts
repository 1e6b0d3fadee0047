import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRowBatchesInWorker } from '../src/registries/registry-rows-worker.js';
import { readRowBatches } from '../src/registries/registry-rows.js';

/** The reading worker of a bulk import gives the batches the importing thread would read itself. */
describe('readRowBatchesInWorker', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-rows-worker-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const collect = async (batches: AsyncGenerator<unknown[]>) => {
    const out: unknown[][] = [];
    for await (const b of batches) out.push(b);
    return out;
  };

  it('yields the same batches as readRowBatches: BOM, quotes, a cell over two lines, short rows, blank lines', async () => {
    const file = path.join(dir, 'people.csv');
    const lines = ['\uFEFFidNumber,name,householdAddress'];
    for (let i = 0; i < 1234; i++)
      lines.push(i % 100 === 7 ? `${i}," 张""三"", ${i} ","五四路\n${i}号"` : i % 50 === 3 ? `${i}` : `${i},李四${i},  台江区${i}号 `);
    lines.splice(40, 0, '');
    fs.writeFileSync(file, lines.join('\r\n') + '\n');
    const bytesSeen: number[] = [];
    const inWorker = await collect(readRowBatchesInWorker(file, { batchSize: 100, onBytes: (n) => bytesSeen.push(n) }));
    expect(inWorker).toEqual(await collect(readRowBatches(file, { batchSize: 100 })));
    expect(inWorker.flat()).toHaveLength(1235);
    expect(bytesSeen.at(-1)).toBe(fs.statSync(file).size);
  });

  it("throws csv-parse's error with its code, and stops when the reader stops early", async () => {
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'a,b\n1,2\n3,"unclosed\n');
    await expect(collect(readRowBatchesInWorker(bad))).rejects.toMatchObject({ code: expect.stringMatching(/^CSV_/) });

    const file = path.join(dir, 'many.csv');
    fs.writeFileSync(file, 'a\n' + Array.from({ length: 5000 }, (_, i) => String(i)).join('\n'));
    const batches = readRowBatchesInWorker(file, { batchSize: 10 });
    const first = await batches.next();
    expect(first.value).toHaveLength(10);
    await batches.return(undefined);
    expect(await batches.next()).toEqual({ done: true, value: undefined });
  });
});
