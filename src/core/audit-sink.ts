import type { Actor, RequestContext } from './actor.js';
import type { Db } from './db/database.js';

/**
 * What core services need from the audit module, so the core does not import a module:
 * `AuditLog` from `src/audit` satisfies it. `append` writes inside the caller's transaction.
 */
export interface AuditSink {
  append(
    trx: Db,
    entry: {
      actor: Actor;
      action: string;
      subject?: { type: string; id: string };
      summary?: Record<string, unknown>;
      context?: RequestContext;
    },
  ): Promise<number>;
  /** Appends several records in one claim of the chain head (bulk imports); optional for other sinks. */
  appendMany?(trx: Db, entries: Array<Parameters<AuditSink['append']>[1]>): Promise<number[]>;
}
