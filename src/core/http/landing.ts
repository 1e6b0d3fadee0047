import type { HttpApp } from './app.js';

/**
 * A plain page at `/` until the web app (portal and console) is served there: it says the
 * platform is up and where the API and its reference are.
 */
export function registerLandingPage(app: HttpApp, title: string): void {
  const html = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;line-height:1.7;color:#1f2329}
h1{color:#b3120e}a{color:#0b57d0}code{background:#f2f3f5;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>${title}</h1>
<p>平台已运行。门户与管理控制台即将上线；现在可以使用 API。<br>The platform is running. The portal and console are on their way; the API is available now.</p>
<ul><li><a href="/docs">API 文档 / API reference</a></li><li><a href="/openapi.json">OpenAPI 3.1</a></li>
<li><a href="/api/v1/standards/validate?type=citizen-id&amp;value=11010519491231002X">标识校验示例 / identifier check example</a></li>
<li><a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a></li></ul></body></html>`;
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
}
