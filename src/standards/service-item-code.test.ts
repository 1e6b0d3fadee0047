import { describe, expect, it } from 'vitest';
import { SERVICE_ITEM_TYPES, validateServiceItemCode } from './index.js';

describe('validateServiceItemCode', () => {
  it('decodes type, main item and sub-item', () => {
    expect(validateServiceItemCode('XK00123001')).toMatchObject({
      valid: true,
      parsed: { normalized: 'XK00123001', typeCode: 'XK', typeName: '行政许可', mainItem: '00123', subItem: '001', hasSubItem: true },
    });
    expect(validateServiceItemCode('GG00001000').parsed).toMatchObject({ typeName: '公共服务', hasSubItem: false });
    for (const type of Object.keys(SERVICE_ITEM_TYPES)) expect(validateServiceItemCode(`${type}12345678`).valid).toBe(true);
  });

  it('reads lower case with a warning', () => {
    const r = validateServiceItemCode('xk00123001');
    expect(r.valid).toBe(true);
    expect(r.warnings.map((w) => w.code)).toEqual(['LOWERCASE_LETTER']);
  });

  it('reports EMPTY, BAD_LENGTH, BAD_CHARACTER and UNKNOWN_ITEM_TYPE', () => {
    expect(validateServiceItemCode('').errors.map((e) => e.code)).toEqual(['EMPTY']);
    expect(validateServiceItemCode('XK0012300').errors.map((e) => e.code)).toEqual(['BAD_LENGTH']);
    expect(validateServiceItemCode('X100123001').errors).toMatchObject([{ code: 'BAD_CHARACTER', position: 2 }]);
    expect(validateServiceItemCode('XK0012A001').errors).toMatchObject([{ code: 'BAD_CHARACTER', position: 7 }]);
    expect(validateServiceItemCode('AB00123001').errors).toMatchObject([{ code: 'UNKNOWN_ITEM_TYPE', position: 1, actual: 'AB' }]);
  });
});
