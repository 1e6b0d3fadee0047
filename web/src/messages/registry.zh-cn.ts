/** Chinese messages of the registry pages (keys start with 'registry.'); merged into zh-cn.ts. */
export const registryZhCN = {
  'registry.title': '基础信息库',
} as const;
