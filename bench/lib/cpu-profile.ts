import { Session, type Profiler } from 'node:inspector/promises';

/** Self time by function and by where the code lives, from a CPU profile of this thread. */
export interface ProfileSummary {
  totalMs: number;
  byFunction: Array<{ name: string; ms: number; share: number }>;
  byOrigin: Array<{ name: string; ms: number; share: number }>;
  /** Self time by layer (`layers` of `startCpuProfile`); empty when no layers were given. */
  byLayer: Array<{ name: string; ms: number; share: number }>;
}

/** One frame of a sampled stack: its function name and where its code lives (`file:///…`, `node:…`, or empty for native code). */
export interface Frame {
  functionName: string;
  url: string;
}

/**
 * A layer of the code, for the breakdown by layer: a sample counts for the first layer (in the
 * order given) that matches some frame of its stack, so a specific layer (hashing) listed before
 * a broad one (the audit write) takes the samples of its frames out of the broad one.
 */
export interface ProfileLayer {
  name: string;
  match(frame: Frame): boolean;
}

/** `file:///…/node_modules/kysely/dist/…` → `kysely`; `…/src/identity/x.ts` → `app src/identity`; `node:…` → `node internals`. */
function originOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : 'native / V8';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const src = /\/(src\/[^/]+|bench)\//.exec(url);
  return src ? `app ${src[1]}` : url;
}

/**
 * Samples this thread's CPU while `start()`…`stop()` runs. Sampling adds overhead, so profile
 * in a separate pass from the figures that get reported.
 */
export async function startCpuProfile(intervalUs = 200, layers: readonly ProfileLayer[] = []): Promise<{ stop(): Promise<ProfileSummary> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      await session.post('Profiler.disable');
      session.disconnect();
      return summarize(profile, layers);
    },
  };
}

/** The first layer matching a frame of the node's stack (leaf to root), else `(other)`; memoised per node. */
function layerOf(
  id: number,
  byId: Map<number, Profiler.ProfileNode>,
  parent: Map<number, number>,
  layers: readonly ProfileLayer[],
  memo: Map<number, string>,
): string {
  const hit = memo.get(id);
  if (hit !== undefined) return hit;
  const stack: Frame[] = [];
  for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) stack.push(byId.get(n)!.callFrame);
  const layer = layers.find((l) => stack.some((f) => l.match(f)));
  const name = layer?.name ?? '(other)';
  memo.set(id, name);
  return name;
}

function summarize(profile: Profiler.Profile, layers: readonly ProfileLayer[]): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const layerMemo = new Map<number, string>();
  const layer = new Map<string, number>();
  const selfMs = new Map<number, number>();
  const deltas = profile.timeDeltas ?? [];
  const samples = profile.samples ?? [];
  // timeDeltas[i] is the time before sample i; attribute it to the sample's node.
  for (let i = 0; i < samples.length; i++) selfMs.set(samples[i]!, (selfMs.get(samples[i]!) ?? 0) + (deltas[i] ?? 0) / 1000);
  const fn = new Map<string, number>();
  const origin = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of selfMs) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    total += ms;
    const file = f.url
      .replace(/^file:\/\//, '')
      .replace(/^.*\/node_modules\//, '')
      .replace(/^.*\/(src|bench)\//, '$1/');
    const key = `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + ms);
    const o = originOf(f.url, f.functionName);
    origin.set(o, (origin.get(o) ?? 0) + ms);
    if (layers.length > 0) {
      const l = layerOf(id, byId, parent, layers, layerMemo);
      layer.set(l, (layer.get(l) ?? 0) + ms);
    }
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms, share: total > 0 ? ms / total : 0 }));
  return { totalMs: total, byFunction: top(fn, 15), byOrigin: top(origin, 12), byLayer: top(layer, layers.length + 1) };
}
