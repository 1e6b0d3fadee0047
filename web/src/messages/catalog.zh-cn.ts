/** Chinese messages of the catalog pages (keys start with 'catalog.'); merged into zh-cn.ts. */
export const catalogZhCN = {
  'catalog.title': '资源目录',
} as const;
