import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import { verifyGlobalConf, type CenterKey, type GlobalConf, type SignedGlobalConf } from '../protocol/globalconf.js';
import { XRoadError } from '../protocol/xroad-errors.js';
import type { NodeLogger } from './node-logger.js';

/**
 * Holds the node's global configuration: the last good one, verified against the pinned center
 * key and kept on disk, so a node restarted while the center is down still works until expiry.
 */
export class GlobalConfHolder {
  private current: { conf: GlobalConf; signed: SignedGlobalConf } | undefined;
  private lastPollOk: string | undefined;
  /** The poll running now: a second caller (the timer and `pollNow`) shares it, and `close` waits for it. */
  private polling: Promise<'updated' | 'unchanged' | 'failed'> | undefined;

  constructor(
    private readonly opts: { centerUrl: string; center: CenterKey; instance: string; file: string; warnBeforeExpiryMs: number },
    private readonly clock: Clock,
    private readonly log: NodeLogger,
  ) {}

  /** Loads the copy on disk if it verifies. */
  async loadFromDisk(): Promise<void> {
    const text = await fs.promises.readFile(this.opts.file, 'utf8').catch(() => undefined);
    if (!text) return;
    const signed = JSON.parse(text) as SignedGlobalConf;
    const v = verifyGlobalConf(signed, this.opts.center);
    if (v.ok && v.conf.instance === this.opts.instance) this.current = { conf: v.conf, signed };
    else this.log.warn('globalconf on disk does not verify, ignored', { reason: v.ok ? 'other instance' : v.reason });
  }

  /**
   * Downloads, verifies and keeps a newer configuration. Never throws: a failed poll keeps the
   * last good configuration and is logged.
   */
  poll(): Promise<'updated' | 'unchanged' | 'failed'> {
    this.polling ??= this.pollOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** Resolves once no poll is running (the node waits for it before closing its files). */
  async idle(): Promise<void> {
    await this.polling;
  }

  private async pollOnce(): Promise<'updated' | 'unchanged' | 'failed'> {
    let signed: SignedGlobalConf;
    try {
      const res = await fetch(new URL('/api/v1/exchange/globalconf', this.opts.centerUrl), { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      signed = (await res.json()) as SignedGlobalConf;
    } catch (e) {
      this.log.warn('globalconf download failed; keeping the last good one', { error: (e as Error).message, expiresAt: this.current?.conf.expiresAt ?? null });
      this.warnIfNearExpiry();
      return 'failed';
    }
    const v = verifyGlobalConf(signed, this.opts.center);
    if (!v.ok || v.conf.instance !== this.opts.instance) {
      this.log.error('globalconf rejected', { reason: v.ok ? `instance ${v.conf.instance}` : v.reason });
      return 'failed';
    }
    if (this.current && v.conf.version < this.current.conf.version) {
      this.log.error('globalconf rejected: older version than the one held', { version: v.conf.version, held: this.current.conf.version });
      return 'failed';
    }
    const changed = !this.current || this.current.conf.version !== v.conf.version;
    this.current = { conf: v.conf, signed };
    this.lastPollOk = this.clock.now().toISOString();
    // Kept on disk for a restart while the center is down; a failed write leaves the node working on the copy in memory.
    const tmp = `${this.opts.file}.${process.pid}.tmp`;
    try {
      await fs.promises.mkdir(path.dirname(this.opts.file), { recursive: true });
      await fs.promises.writeFile(tmp, JSON.stringify(signed));
      await fs.promises.rename(tmp, this.opts.file);
    } catch (e) {
      this.log.error('globalconf could not be saved to disk; using it from memory', { file: this.opts.file, error: (e as Error).message });
    }
    if (changed) this.log.info('globalconf updated', { version: v.conf.version, expiresAt: v.conf.expiresAt });
    return changed ? 'updated' : 'unchanged';
  }

  private warnIfNearExpiry(): void {
    if (!this.current) return;
    const left = Date.parse(this.current.conf.expiresAt) - this.clock.now().getTime();
    if (left <= this.opts.warnBeforeExpiryMs) this.log.warn('globalconf expires soon', { expiresAt: this.current.conf.expiresAt, msLeft: Math.max(0, left) });
  }

  /**
   * The configuration to act on.
   *
   * @throws XRoadError of `type` (OutdatedGlobalConf) when there is none or it has expired.
   */
  usable(type: 'Server.ClientProxy.OutdatedGlobalConf' | 'Server.ServerProxy.OutdatedGlobalConf'): GlobalConf {
    if (!this.current) throw new XRoadError(type, 'no global configuration yet');
    if (this.clock.now().toISOString() >= this.current.conf.expiresAt) throw new XRoadError(type, `expired at ${this.current.conf.expiresAt}`);
    return this.current.conf;
  }

  /** The held configuration, signed, expired or not (evidence bundles include it). */
  held(): { conf: GlobalConf; signed: SignedGlobalConf } | undefined {
    return this.current;
  }

  status(): { version: number | null; expiresAt: string | null; lastPollOk: string | null } {
    return { version: this.current?.conf.version ?? null, expiresAt: this.current?.conf.expiresAt ?? null, lastPollOk: this.lastPollOk ?? null };
  }
}
