/** The source of time. Passed in everywhere so tests control it. */
export interface Clock {
  now(): Date;
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock tests move by hand.
 *
 * @example const clock = manualClock('2026-01-05T09:00:00Z'); clock.advance(31 * 60_000);
 */
export function manualClock(start: string | Date): Clock & { advance(ms: number): void; set(t: string | Date): void } {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
    set: (v) => {
      t = new Date(v).getTime();
    },
  };
}
