import type { catalogZhCN } from './catalog.zh-cn';

/** English messages of the catalog pages; keys mirror catalog.zh-cn.ts. */
export const catalogEn: Record<keyof typeof catalogZhCN, string> = {
  'catalog.title': 'Resource catalog',
};
