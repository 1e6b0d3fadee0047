import { createHash } from 'node:crypto';
import { connect, DeliverPolicy, nanos, StorageType, type ConsumerMessages, type JetStreamClient, type NatsConnection } from 'nats';
import { tablesOf, type Db } from '../../core/db/database.js';

/** A published event as the provider node keeps it. */
export interface StoredEvent {
  /** The node's sequence number: increasing in publishing order (per node). */
  seq: number;
  id: string;
  /** The event type as a service identifier: INSTANCE/CLASS/MEMBER/SUBSYSTEM/eventType. */
  service: string;
  /** The publishing subsystem. */
  publisher: string;
  /** The event itself, JSON text. */
  payload: string;
  publishedAt: string;
}

/** Reads one event type from a position on, in order. */
export interface EventReader {
  /** Up to `limit` events after the last one returned; waits up to `waitMs` when there is none yet. */
  next(limit: number, waitMs: number): Promise<StoredEvent[]>;
  close(): Promise<void>;
}

/** Where a provider node keeps published events: its database (default) or NATS JetStream. */
export interface EventStore {
  readonly kind: 'database' | 'nats';
  /** Stores the events durably (same id again: the first one's sequence, `duplicate` set). */
  publish(events: Omit<StoredEvent, 'seq'>): Promise<{ seq: number; duplicate: boolean }>;
  /** The highest sequence number given so far (0 when none). */
  lastSeq(): Promise<number>;
  reader(service: string, afterSeq: number): EventReader;
  /**
   * Deletes the events published before `before` that every subscription of their type has
   * acknowledged (`acknowledged`: event type → the lowest acknowledged sequence among its
   * subscriptions; a type without subscriptions needs none of its events). Returns how many were
   * deleted and how many are kept. The newest event is always kept: its sequence number is where
   * numbering goes on after a restart. NATS JetStream drops events by the stream's age limit
   * instead (it does not see the acknowledgements), so there it deletes nothing.
   */
  prune(before: string, acknowledged: Map<string, number>): Promise<{ deleted: number; kept: number }>;
  close(): Promise<void>;
}

interface EventTables {
  pubsub_events: { seq: number; event_id: string; service: string; publisher: string; payload: string; published_at: string };
}

/** Resolves waiters when something happened, or after their timeout. */
export class Signal {
  private waiters = new Set<() => void>();
  notify(): void {
    for (const w of this.waiters) w();
    this.waiters.clear();
  }
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }
}

interface PendingPublish {
  event: Omit<StoredEvent, 'seq'>;
  resolve: (r: { seq: number; duplicate: boolean }) => void;
  reject: (e: unknown) => void;
}

/**
 * Events in the node database. One writer gives the sequence numbers and commits the publishes
 * that arrive together in one transaction, so a reader that saw sequence n never later finds a
 * smaller one committed (what concurrent auto-increments would allow on PostgreSQL).
 */
export class DatabaseEventStore implements EventStore {
  readonly kind = 'database' as const;
  readonly published = new Signal();
  private pending: PendingPublish[] = [];
  private writing = false;
  private next: number | undefined;
  constructor(private readonly db: Db) {}

  private get q() {
    return tablesOf<EventTables>(this.db);
  }

  async lastSeq(): Promise<number> {
    const row = await this.q
      .selectFrom('pubsub_events')
      .select((eb) => eb.fn.max<number | null>('seq').as('max'))
      .executeTakeFirst();
    return Number(row?.max ?? 0);
  }

  publish(event: Omit<StoredEvent, 'seq'>): Promise<{ seq: number; duplicate: boolean }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const group = this.pending.splice(0, 500);
      try {
        this.next ??= (await this.lastSeq()) + 1;
        const results = await this.db.transaction().execute(async (trx) => {
          const q = tablesOf<EventTables>(trx);
          const ids = [...new Set(group.map((p) => p.event.id))];
          const known = new Map(
            (await q.selectFrom('pubsub_events').select(['event_id', 'seq']).where('event_id', 'in', ids).execute()).map((r) => [r.event_id, Number(r.seq)]),
          );
          const rows: EventTables['pubsub_events'][] = [];
          let next = this.next!;
          const out = group.map((p) => {
            const seq = known.get(p.event.id);
            if (seq !== undefined) return { seq, duplicate: true };
            const row = {
              seq: next++,
              event_id: p.event.id,
              service: p.event.service,
              publisher: p.event.publisher,
              payload: p.event.payload,
              published_at: p.event.publishedAt,
            };
            known.set(row.event_id, row.seq);
            rows.push(row);
            return { seq: row.seq, duplicate: false };
          });
          if (rows.length > 0) await q.insertInto('pubsub_events').values(rows).execute();
          return { out, next };
        });
        this.next = results.next;
        group.forEach((p, i) => p.resolve(results.out[i]!));
        this.published.notify();
      } catch (e) {
        this.next = undefined; // read again from the database
        for (const p of group) p.reject(e);
      }
    }
    this.writing = false;
  }

  reader(service: string, afterSeq: number): EventReader {
    let pos = afterSeq;
    return {
      next: async (limit, waitMs) => {
        for (let attempt = 0; attempt < 2; attempt++) {
          const rows = await this.q
            .selectFrom('pubsub_events')
            .selectAll()
            .where('service', '=', service)
            .where('seq', '>', pos)
            .orderBy('seq')
            .limit(limit)
            .execute();
          if (rows.length > 0) {
            pos = Number(rows[rows.length - 1]!.seq);
            return rows.map((r) => ({
              seq: Number(r.seq),
              id: r.event_id,
              service: r.service,
              publisher: r.publisher,
              payload: r.payload,
              publishedAt: r.published_at,
            }));
          }
          if (attempt === 0) await this.published.wait(waitMs);
        }
        return [];
      },
      close: async () => undefined,
    };
  }

  async prune(before: string, acknowledged: Map<string, number>): Promise<{ deleted: number; kept: number }> {
    const newest = await this.lastSeq();
    let deleted = 0;
    const count = (r: { numDeletedRows: bigint }) => (deleted += Number(r.numDeletedRows));
    for (const [service, seq] of acknowledged) {
      count(
        await this.q
          .deleteFrom('pubsub_events')
          .where('service', '=', service)
          .where('seq', '<=', seq)
          .where('seq', '<', newest)
          .where('published_at', '<', before)
          .executeTakeFirst(),
      );
    }
    let orphans = this.q.deleteFrom('pubsub_events').where('seq', '<', newest).where('published_at', '<', before);
    if (acknowledged.size > 0) orphans = orphans.where('service', 'not in', [...acknowledged.keys()]);
    count(await orphans.executeTakeFirst());
    const kept = await this.q
      .selectFrom('pubsub_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return { deleted, kept: Number(kept?.n ?? 0) };
  }

  async close(): Promise<void> {
    this.published.notify();
  }
}

const hex16 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

/**
 * Events in a NATS JetStream stream of this node (`ZT_EVENTS_<hash of node id>`, file storage),
 * one subject per event type; the event id is the JetStream message id, so a publish repeated
 * within the duplicate window (10 minutes) is stored once. Readers are ordered consumers that
 * start after the subscriber's acknowledged sequence (kept in the node database).
 */
export class NatsEventStore implements EventStore {
  readonly kind = 'nats' as const;
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly prefix: string,
  ) {}

  /** Opens (creating or updating) the node's stream; `retainDays` > 0 becomes its age limit (`max_age`). */
  static async open(url: string, nodeId: string, retainDays = 0): Promise<NatsEventStore> {
    const nc = await connect({ servers: url, name: `zhengtong-node ${nodeId}`, maxReconnectAttempts: -1 });
    try {
      const jsm = await nc.jetstreamManager();
      const h = hex16(nodeId);
      const stream = `ZT_EVENTS_${h}`;
      const prefix = `zt.events.${h}`;
      const maxAgeMs = Math.round(retainDays * 86_400_000);
      // JetStream wants the duplicate window within the age limit.
      const limits = { max_age: nanos(maxAgeMs), duplicate_window: nanos(maxAgeMs > 0 ? Math.min(10 * 60_000, maxAgeMs) : 10 * 60_000) };
      const info = await jsm.streams.info(stream).catch(() => undefined);
      if (!info) await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`], storage: StorageType.File, ...limits });
      else if (info.config.max_age !== limits.max_age || info.config.duplicate_window !== limits.duplicate_window)
        await jsm.streams.update(stream, { ...info.config, ...limits });
      return new NatsEventStore(nc, nc.jetstream(), stream, prefix);
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  private subject(service: string): string {
    return `${this.prefix}.${hex16(service)}`;
  }

  async publish(event: Omit<StoredEvent, 'seq'>): Promise<{ seq: number; duplicate: boolean }> {
    const ack = await this.js.publish(this.subject(event.service), Buffer.from(JSON.stringify(event)), { msgID: event.id });
    return { seq: ack.seq, duplicate: ack.duplicate };
  }

  async lastSeq(): Promise<number> {
    const info = await (await this.nc.jetstreamManager()).streams.info(this.stream);
    return info.state.last_seq;
  }

  async prune(): Promise<{ deleted: number; kept: number }> {
    const info = await (await this.nc.jetstreamManager()).streams.info(this.stream);
    return { deleted: 0, kept: info.state.messages };
  }

  reader(service: string, afterSeq: number): EventReader {
    const buffer: StoredEvent[] = [];
    const arrived = new Signal();
    const drained = new Signal();
    let messages: ConsumerMessages | undefined;
    let closed = false;
    let failure: unknown;
    const started = (async () => {
      const consumer = await this.js.consumers.get(this.stream, {
        filterSubjects: this.subject(service),
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: afterSeq + 1,
      });
      messages = await consumer.consume({ max_messages: 1000 });
      for await (const m of messages) {
        const e = JSON.parse(Buffer.from(m.data).toString('utf8')) as Omit<StoredEvent, 'seq'>;
        buffer.push({ ...e, seq: m.seq });
        arrived.notify();
        // Back-pressure: stop taking messages while the delivery is behind.
        while (buffer.length >= 2000 && !closed) await drained.wait(1000);
        if (closed) break;
      }
    })().catch((e: unknown) => {
      failure = e;
      arrived.notify();
    });
    return {
      next: async (limit, waitMs) => {
        if (buffer.length === 0 && !failure) await arrived.wait(waitMs);
        if (failure && buffer.length === 0) throw failure;
        const out = buffer.splice(0, limit);
        drained.notify();
        return out;
      },
      close: async () => {
        closed = true;
        drained.notify();
        await messages?.close();
        await started;
      },
    };
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}

/** Opens the configured store: `database` or a `nats://…` URL (with `retainDays` as the stream's age limit). */
export async function openEventStore(store: string, db: Db, nodeId: string, retainDays = 0): Promise<EventStore> {
  return store.startsWith('nats://') ? NatsEventStore.open(store, nodeId, retainDays) : new DatabaseEventStore(db);
}
