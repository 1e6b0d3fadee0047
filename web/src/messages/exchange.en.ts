import type { exchangeZhCN } from './exchange.zh-cn';

/** English messages of the exchange pages; keys mirror exchange.zh-cn.ts. */
export const exchangeEn: Record<keyof typeof exchangeZhCN, string> = {
  'exchange.title': 'Exchange',
};
