import type { registryZhCN } from './registry.zh-cn';

/** English messages of the registry pages; keys mirror registry.zh-cn.ts. */
export const registryEn: Record<keyof typeof registryZhCN, string> = {
  'registry.title': 'Base registries',
};
