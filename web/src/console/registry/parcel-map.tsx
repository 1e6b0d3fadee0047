import { Empty } from 'antd';
import { useMemo, type KeyboardEvent, type MouseEvent } from 'react';
import { useI18n } from '../../i18n';
import { ringsOf } from './registry-data';

export interface Parcel {
  key: string;
  geometry: unknown;
}

const WIDTH = 640;
const MAX_HEIGHT = 420;
const PAD = 24;
const M_PER_DEG = 111_320;

/** A round length for the scale bar, about a fifth of the map's width. */
function niceMetres(m: number): number {
  const p = 10 ** Math.floor(Math.log10(m));
  return [5, 2, 1].map((f) => f * p).find((v) => v <= m) ?? p;
}

/**
 * Land parcels drawn as inline SVG from their GeoJSON polygons (no tiles, no map library: the
 * platform may run where no tile server is reachable). Longitude is scaled by cos(latitude) so
 * shapes keep their proportions. Each parcel is a keyboard-reachable button; a click on an
 * empty spot reports that point (lon, lat) for a point query.
 */
export function ParcelMap({
  parcels,
  selected,
  onSelect,
  onPoint,
}: {
  parcels: Parcel[];
  selected?: string | undefined;
  onSelect?: (key: string) => void;
  onPoint?: (lon: number, lat: number) => void;
}) {
  const { t } = useI18n();
  const view = useMemo(() => {
    const shapes = parcels.map((p) => ({ key: p.key, rings: ringsOf(p.geometry) })).filter((s) => s.rings.length > 0);
    const pts = shapes.flatMap((s) => s.rings.flat());
    if (pts.length === 0) return undefined;
    const lons = pts.map((p) => p[0]);
    const lats = pts.map((p) => p[1]);
    const [minLon, maxLon, minLat, maxLat] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
    const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
    const w = Math.max((maxLon - minLon) * k, 1e-6);
    const h = Math.max(maxLat - minLat, 1e-6);
    const scale = Math.min((WIDTH - 2 * PAD) / w, (MAX_HEIGHT - 2 * PAD) / h);
    const height = Math.round(h * scale + 2 * PAD);
    const x = (lon: number) => PAD + (lon - minLon) * k * scale;
    const y = (lat: number) => height - PAD - (lat - minLat) * scale;
    const metresPerPx = M_PER_DEG / scale;
    const bar = niceMetres((WIDTH / 5) * metresPerPx);
    return {
      height,
      bar: { metres: bar, px: bar / metresPerPx },
      toLonLat: (px: number, py: number): [number, number] => [minLon + (px - PAD) / (k * scale), minLat + (height - PAD - py) / scale],
      shapes: shapes.map((s) => {
        const outer = s.rings[0]!;
        const cx = outer.reduce((a, p) => a + x(p[0]), 0) / outer.length;
        const cy = outer.reduce((a, p) => a + y(p[1]), 0) / outer.length;
        const d = s.rings.map((r) => r.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('') + 'Z').join('');
        return { key: s.key, d, cx, cy };
      }),
    };
  }, [parcels]);

  if (!view) return <Empty description={t('registry.map.none')} />;

  const activate = (key: string) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect?.(key);
    }
  };
  const clickEmpty = (e: MouseEvent<SVGRectElement>) => {
    if (!onPoint) return;
    const svg = e.currentTarget.ownerSVGElement!;
    const box = svg.getBoundingClientRect();
    const [lon, lat] = view.toLonLat(((e.clientX - box.left) / box.width) * WIDTH, ((e.clientY - box.top) / box.height) * view.height);
    onPoint(Number(lon.toFixed(6)), Number(lat.toFixed(6)));
  };

  return (
    <figure className="zt-map">
      <svg
        viewBox={`0 0 ${WIDTH} ${view.height}`}
        role="group"
        aria-label={t('registry.map.label', { count: view.shapes.length })}
        className="zt-map-svg"
        data-testid="parcel-map"
      >
        <rect x={0} y={0} width={WIDTH} height={view.height} className="zt-map-bg" onClick={clickEmpty} />
        {view.shapes.map((s) => (
          <g
            key={s.key}
            role="button"
            tabIndex={0}
            aria-label={t('registry.map.parcel', { key: s.key })}
            aria-pressed={selected === s.key}
            className={selected === s.key ? 'zt-parcel zt-parcel-selected' : 'zt-parcel'}
            onClick={() => onSelect?.(s.key)}
            onKeyDown={activate(s.key)}
          >
            <title>{t('registry.map.parcel', { key: s.key })}</title>
            <path d={s.d} fillRule="evenodd" />
          </g>
        ))}
        {/* Labels sit outside the buttons, so each button's name is its aria-label alone. */}
        <g aria-hidden="true" className="zt-map-labels">
          {view.shapes.map((s) => (
            <text
              key={s.key}
              x={s.cx}
              y={s.cy}
              textAnchor="middle"
              dominantBaseline="middle"
              className={selected === s.key ? 'zt-map-label-selected' : undefined}
            >
              {s.key.slice(-5)}
            </text>
          ))}
        </g>
        <g aria-hidden="true" className="zt-map-scale">
          <line x1={PAD} x2={PAD + view.bar.px} y1={view.height - 8} y2={view.height - 8} />
          <text x={PAD + view.bar.px + 6} y={view.height - 4}>
            {t('registry.map.scale', { m: view.bar.metres })}
          </text>
          <text x={WIDTH - PAD} y={PAD - 6} textAnchor="end">
            N ↑
          </text>
        </g>
      </svg>
      {(onSelect || onPoint) && <figcaption className="zt-muted">{t('registry.map.clickHint')}</figcaption>}
    </figure>
  );
}
