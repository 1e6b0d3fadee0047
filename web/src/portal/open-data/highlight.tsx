import type { ReactNode } from 'react';

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m] ?? m);

/**
 * The server's highlight (HTML-escaped text with matched words in `<em>`) as React nodes, the
 * matches in `<mark>`: no HTML is injected, whatever the text holds.
 *
 * @example <Highlight html="常住人口<em>户籍</em>信息" />
 */
export function Highlight({ html }: { html: string }): ReactNode {
  const parts = html.split(/<em>([\s\S]*?)<\/em>/);
  return parts.map((p, i) => (i % 2 === 1 ? <mark key={i}>{unescape(p)}</mark> : unescape(p)));
}
