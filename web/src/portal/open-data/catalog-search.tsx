import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Empty, Input, Pagination, Radio, Tag } from 'antd';
import { useState, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { ErrorState, LoadingState } from '../../components/states';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../messages/zh-cn';
import { FACET_PARAM, FACETS, VIEW_PATH, type CatalogView, type FacetName, type SearchHit, type SearchReply } from './catalog-types';
import { Highlight } from './highlight';
import './catalog.css';

const FACET_SHOWN = 8;

/** One facet: its values with counts; pressing one filters by it, pressing it again clears it. */
function FacetGroup({
  name,
  values,
  selected,
  onSelect,
}: {
  name: FacetName;
  values: SearchReply['facets'][string];
  selected: string | null;
  onSelect: (value: string | null) => void;
}) {
  const { t } = useI18n();
  const [all, setAll] = useState(false);
  if (!values.length) return null;
  const shown = all ? values : values.slice(0, FACET_SHOWN);
  const headingId = `zt-facet-${name}`;
  return (
    <div role="group" aria-labelledby={headingId}>
      <h2 id={headingId}>{t(`catalog.facet.${name}` as MessageKey)}</h2>
      <ul>
        {shown.map((v) => (
          <li key={v.value}>
            <Button type="link" size="small" aria-pressed={selected === v.value} onClick={() => onSelect(selected === v.value ? null : v.value)}>
              {v.label}（{v.count}）
            </Button>
          </li>
        ))}
      </ul>
      {values.length > FACET_SHOWN && (
        <Button type="link" size="small" onClick={() => setAll(!all)} aria-expanded={all}>
          {all ? t('catalog.search.fewer') : t('catalog.search.more', { n: values.length - FACET_SHOWN })}
        </Button>
      )}
    </div>
  );
}

/** One hit: the name (linked) and abstract with the matched words marked, its code, provider and attributes. */
function HitCard({ hit, href, extra }: { hit: SearchHit; href: string; extra?: ReactNode }) {
  const { t } = useI18n();
  const r = hit.resource;
  return (
    <li className="zt-cat-hit">
      <article aria-labelledby={`zt-hit-${r.id}`}>
        <h2 id={`zt-hit-${r.id}`}>
          <Link to={href}>
            <Highlight html={hit.highlights.name} />
          </Link>
        </h2>
        <p className="zt-cat-meta">
          <span className="zt-mono">{r.code}</span> · {r.provider.name} · {t('catalog.field.updateCycle')} {r.updateCycleLabel}
          {r.publishedOn ? ` · ${t('catalog.field.publishedOn')} ${r.publishedOn.slice(0, 10)}` : ''}
        </p>
        <p>
          <Highlight html={hit.highlights.abstract} />
        </p>
        {hit.highlights.items.length > 0 && (
          <p className="zt-cat-meta">
            {t('catalog.search.matchedItems')}
            {hit.highlights.items.map((h, i) => (
              <span key={i}>
                {i > 0 ? '、' : ''}
                <Highlight html={h} />
              </span>
            ))}
          </p>
        )}
        <p>
          <Tag>{r.formatLabel}</Tag>
          <Tag className={r.shareType === 'unconditional' ? 'zt-cat-ok' : r.shareType === 'none' ? 'zt-cat-bad' : 'zt-cat-warn'}>{r.shareLabel}</Tag>
          <Tag>{r.openLabel}</Tag>
          {r.baseRegistry && <Tag>{t('catalog.baseRegistry')}</Tag>}
          {extra}
        </p>
      </article>
    </li>
  );
}

/**
 * Catalog search for one view (open data for everyone, the sharing catalog for staff, a
 * department's own resources): a search box, facets with counts as filters, highlights, relevance
 * or recency order and paging. The state lives in the URL (`?q=户籍&shareType=conditional&page=2`),
 * so a search can be bookmarked and the back button works.
 */
export function CatalogSearch({
  view,
  title,
  hrefOf,
  pageSize = 10,
  extra,
  actions,
}: {
  view: CatalogView;
  title: string;
  hrefOf: (hit: SearchHit) => string;
  pageSize?: number;
  extra?: (hit: SearchHit) => ReactNode;
  actions?: ReactNode;
}) {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const order = params.get('order') === 'recency' ? 'recency' : params.get('order') === 'relevance' ? 'relevance' : undefined;
  const page = Math.max(1, Number(params.get('page')) || 1);
  const filters: Record<string, string> = {};
  for (const f of FACETS) {
    const v = params.get(FACET_PARAM[f]);
    if (v) filters[FACET_PARAM[f]] = v;
  }
  const search = useQuery({
    queryKey: ['catalog', 'search', view, q, order, page, filters],
    queryFn: () =>
      api<SearchReply>('GET', VIEW_PATH[view], { query: { q: q || undefined, order, limit: pageSize, offset: (page - 1) * pageSize, ...filters } }),
    placeholderData: keepPreviousData,
  });

  /** Changes some parameters and goes back to the first page. */
  const update = (changes: Record<string, string | null>, keepPage = false) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!keepPage) next.delete('page');
    setParams(next);
  };

  const data = search.data;
  const facetLabel = (f: FacetName, value: string) => data?.facets[f]?.find((v) => v.value === value)?.label ?? value;
  const effectiveOrder = order ?? (q ? 'relevance' : 'recency');

  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{title}</h1>
      <div role="search" className="zt-cat-toolbar">
        <Input.Search
          key={q}
          aria-label={t('catalog.search.label')}
          placeholder={t('catalog.search.placeholder')}
          defaultValue={q}
          enterButton={t('catalog.search.button')}
          allowClear
          style={{ maxWidth: 560 }}
          size="large"
          maxLength={100}
          onSearch={(v) => update({ q: v.trim() || null })}
        />
        {actions}
      </div>
      <div className="zt-cat-layout">
        <aside className="zt-cat-facets" aria-label={t('catalog.search.filters')}>
          {data ? (
            <>
              {data.facetsApproximate && <p className="zt-muted">{t('catalog.search.facetsApproximate', { n: data.facetSample ?? 0 })}</p>}
              {FACETS.map((f) => (
                <FacetGroup
                  key={f}
                  name={f}
                  values={data.facets[f] ?? []}
                  selected={filters[FACET_PARAM[f]] ?? null}
                  onSelect={(v) => update({ [FACET_PARAM[f]]: v })}
                />
              ))}
            </>
          ) : search.isPending ? (
            <LoadingState />
          ) : null}
        </aside>
        <div>
          <div className="zt-cat-toolbar">
            <span role="status" aria-live="polite">
              {data ? t('catalog.search.total', { n: data.total }) : ''}
            </span>
            <Radio.Group
              aria-label={t('catalog.search.order')}
              optionType="button"
              value={effectiveOrder}
              onChange={(e) => update({ order: e.target.value as string }, false)}
              options={[
                { value: 'relevance', label: t('catalog.search.relevance'), disabled: !q },
                { value: 'recency', label: t('catalog.search.recency') },
              ]}
            />
          </div>
          {Object.keys(filters).length > 0 && (
            <p>
              {t('catalog.search.active')}
              {FACETS.filter((f) => filters[FACET_PARAM[f]]).map((f) => (
                <Tag key={f} closable closeIcon={<span aria-label={t('catalog.search.clear')}>×</span>} onClose={() => update({ [FACET_PARAM[f]]: null })}>
                  {t(`catalog.facet.${f}` as MessageKey)}：{facetLabel(f, filters[FACET_PARAM[f]]!)}
                </Tag>
              ))}
              <Button type="link" size="small" onClick={() => update(Object.fromEntries(FACETS.map((f) => [FACET_PARAM[f], null])))}>
                {t('catalog.search.clearAll')}
              </Button>
            </p>
          )}
          {search.isError ? (
            <ErrorState error={search.error} onRetry={() => void search.refetch()} />
          ) : !data ? (
            <LoadingState />
          ) : data.items.length === 0 ? (
            <Empty description={q ? t('catalog.search.none', { q }) : t('catalog.search.empty')} />
          ) : (
            <>
              <ul className="zt-cat-hits" aria-busy={search.isFetching}>
                {data.items.map((hit) => (
                  <HitCard key={hit.resource.id} hit={hit} href={hrefOf(hit)} extra={extra?.(hit)} />
                ))}
              </ul>
              <Pagination
                current={page}
                pageSize={pageSize}
                total={data.total}
                showSizeChanger={false}
                onChange={(p) => {
                  update({ page: p > 1 ? String(p) : null }, true);
                  window.scrollTo(0, 0);
                }}
              />
            </>
          )}
        </div>
      </div>
    </section>
  );
}
