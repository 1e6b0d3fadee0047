/** Chinese messages of the exchange pages (keys start with 'exchange.'); merged into zh-cn.ts. */
export const exchangeZhCN = {
  'exchange.title': '交换体系',
} as const;
