import { Session, type Profiler } from 'node:inspector/promises';

/** Self time by function and by where the code lives, from a CPU profile of this thread. */
export interface ProfileSummary {
  totalMs: number;
  byFunction: Array<{ name: string; ms: number; share: number }>;
  byOrigin: Array<{ name: string; ms: number; share: number }>;
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
export async function startCpuProfile(intervalUs = 200): Promise<{ stop(): Promise<ProfileSummary> }> {
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
      return summarize(profile);
    },
  };
}

function summarize(profile: Profiler.Profile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
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
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms, share: total > 0 ? ms / total : 0 }));
  return { totalMs: total, byFunction: top(fn, 15), byOrigin: top(origin, 12) };
}
