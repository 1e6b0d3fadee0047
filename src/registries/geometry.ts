/**
 * GeoJSON polygons for the geospatial registry: validation (RFC 7946 structure, closed rings,
 * no self-intersection), geodesic area, bounding box, point-in-polygon. Coordinates are
 * longitude/latitude (CGCS2000 ≈ WGS 84). Written here rather than taken from a library because
 * the four operations fit in this file and Turf would add a dependency tree for them.
 */
export type Position = [number, number];
export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Position[][];
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: Position[][][];
}
export type AreaGeometry = PolygonGeometry | MultiPolygonGeometry;
export interface BBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

/** Mean Earth radius used by RFC 7946 tools (WGS 84 semi-major axis), metres. */
const EARTH_RADIUS = 6378137;

function isPosition(p: unknown): p is Position {
  return Array.isArray(p) && p.length >= 2 && p.length <= 3 && p.every((n) => typeof n === 'number' && Number.isFinite(n));
}

/** True when segments ab and cd cross or touch (collinear overlap included). */
function segmentsIntersect(a: Position, b: Position, c: Position, d: Position): boolean {
  const orient = (p: Position, q: Position, r: Position) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  const onSegment = (p: Position, q: Position, r: Position) =>
    Math.min(p[0], r[0]) <= q[0] && q[0] <= Math.max(p[0], r[0]) && Math.min(p[1], r[1]) <= q[1] && q[1] <= Math.max(p[1], r[1]);
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (o1 === 0 && onSegment(a, c, b)) || (o2 === 0 && onSegment(a, d, b)) || (o3 === 0 && onSegment(c, a, d)) || (o4 === 0 && onSegment(c, b, d));
}

function ringProblem(ring: unknown): string | undefined {
  if (!Array.isArray(ring) || ring.length < 4) return '环至少需要 4 个坐标点 (a ring needs at least 4 positions)';
  if (!ring.every(isPosition)) return '坐标必须为 [经度, 纬度] 数字 (positions must be [lon, lat] numbers)';
  const pts = ring as Position[];
  if (pts.some(([lon, lat]) => lon < -180 || lon > 180 || lat < -90 || lat > 90)) return '坐标超出经纬度范围 (position out of range)';
  const first = pts[0] as Position;
  const last = pts[pts.length - 1] as Position;
  if (first[0] !== last[0] || first[1] !== last[1]) return '环未闭合：首尾坐标须相同 (the ring is not closed)';
  const n = pts.length - 1;
  // Every pair of non-adjacent edges must not meet: O(n²), fine for parcel outlines.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      if (segmentsIntersect(pts[i] as Position, pts[i + 1] as Position, pts[j] as Position, pts[j + 1] as Position)) {
        return `多边形自相交：第 ${i + 1} 条边与第 ${j + 1} 条边相交 (self-intersection between edges ${i + 1} and ${j + 1})`;
      }
    }
  }
  if (ringArea(pts) === 0) return '多边形面积为零 (zero area)';
  return undefined;
}

function ringsCross(a: Position[], b: Position[]): boolean {
  for (let i = 0; i + 1 < a.length; i++) for (let j = 0; j + 1 < b.length; j++) if (segmentsIntersect(a[i]!, a[i + 1]!, b[j]!, b[j + 1]!)) return true;
  return false;
}

function polygonProblem(rings: unknown): string | undefined {
  if (!Array.isArray(rings) || rings.length === 0) return '多边形至少需要一个外环 (a polygon needs an exterior ring)';
  for (const [i, ring] of rings.entries()) {
    const p = ringProblem(ring);
    if (p) return rings.length > 1 ? `第 ${i + 1} 个环：${p}` : p;
  }
  const [outer, ...holes] = rings as Position[][];
  for (const [i, hole] of holes.entries()) {
    if (ringsCross(outer!, hole) || !pointInRing(hole[0]!, outer!)) return `第 ${i + 2} 个环（洞）不在外环之内 (hole ${i + 1} is not inside the exterior ring)`;
  }
  return undefined;
}

/**
 * Checks that `value` is a GeoJSON Polygon or MultiPolygon whose rings are closed, have at least
 * four positions, lie within lon/lat range, do not intersect themselves and whose holes lie
 * inside their exterior ring. Returns the reason when it is not, undefined when it is.
 */
export function geometryProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return '须为 GeoJSON 对象 (must be a GeoJSON object)';
  const g = value as { type?: unknown; coordinates?: unknown };
  if (g.type === 'Polygon') return polygonProblem(g.coordinates);
  if (g.type === 'MultiPolygon') {
    if (!Array.isArray(g.coordinates) || g.coordinates.length === 0) return 'MultiPolygon 至少需要一个多边形 (needs a polygon)';
    for (const [i, poly] of g.coordinates.entries()) {
      const p = polygonProblem(poly);
      if (p) return `第 ${i + 1} 个多边形：${p}`;
    }
    return undefined;
  }
  return '仅支持 GeoJSON Polygon 或 MultiPolygon (only Polygon or MultiPolygon)';
}

/** Spherical area of a ring in m² (the method of Chamberlain & Duquette, as used by Mapbox/Turf), unsigned. */
function ringArea(ring: readonly Position[]): number {
  let total = 0;
  const rad = (d: number) => (d * Math.PI) / 180;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [lon1, lat1] = ring[i]!;
    const [lon2, lat2] = ring[i + 1]!;
    total += rad(lon2 - lon1) * (2 + Math.sin(rad(lat1)) + Math.sin(rad(lat2)));
  }
  return Math.abs((total * EARTH_RADIUS * EARTH_RADIUS) / 2);
}

function polygons(g: AreaGeometry): Position[][][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
}

/** Area in square metres, rounded to 0.01 m²: exterior rings minus holes. */
export function geometryArea(g: AreaGeometry): number {
  let area = 0;
  for (const [outer, ...holes] of polygons(g)) area += ringArea(outer!) - holes.reduce((s, h) => s + ringArea(h), 0);
  return Math.round(area * 100) / 100;
}

export function geometryBBox(g: AreaGeometry): BBox {
  const box = { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
  for (const poly of polygons(g))
    for (const [lon, lat] of poly[0]!) {
      box.minLon = Math.min(box.minLon, lon);
      box.maxLon = Math.max(box.maxLon, lon);
      box.minLat = Math.min(box.minLat, lat);
      box.maxLat = Math.max(box.maxLat, lat);
    }
  return box;
}

function pointInRing([x, y]: Position, ring: readonly Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** True when the point lies inside the geometry (inside an exterior ring and in none of its holes). */
export function geometryContains(g: AreaGeometry, point: Position): boolean {
  return polygons(g).some(([outer, ...holes]) => pointInRing(point, outer!) && !holes.some((h) => pointInRing(point, h)));
}
