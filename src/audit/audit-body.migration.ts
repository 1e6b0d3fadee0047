import { sql } from 'kysely';
import type { Db } from '../core/db/database.js';
import type { PlatformMigration } from '../core/db/migrate.js';
import { CHAIN_COLUMNS, canonicalRecord } from './audit-chain.js';

/** The columns 0002-audit created, read once to rebuild each record's canonical text. */
interface LegacyRow {
  seq: number;
  occurred_at: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  org_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  outcome: string;
  request_id: string | null;
  client_ip: string | null;
  summary: string;
  data_subject: string | null;
  purpose: string | null;
  prev_hash: string;
  hash: string;
}

const legacyBody = (r: LegacyRow): string =>
  canonicalRecord({
    seq: Number(r.seq),
    occurredAt: r.occurred_at,
    actorType: r.actor_type,
    actorId: r.actor_id,
    actorName: r.actor_name,
    orgId: r.org_id,
    action: r.action,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    outcome: r.outcome,
    requestId: r.request_id,
    clientIp: r.client_ip,
    summary: r.summary,
    dataSubject: r.data_subject,
    purpose: r.purpose,
    prevHash: r.prev_hash,
  });

/**
 * Each audit record is stored as the exact text its hash covers (`body`, the canonical JSON
 * array) with its hash; every other column is generated from `body` by the database (virtual on
 * SQLite, stored on PostgreSQL). So:
 * - the verifier reads two short columns per record instead of decoding seventeen, and hashes
 *   `body` as it is (the link to the previous record is the array's last element);
 * - a search column cannot be edited apart from what the hash covers (the database refuses to
 *   update a generated column), so what the audit admin searches is what the chain proves.
 * Existing records are copied with the same canonical text, so their hashes and the signed
 * checkpoints stay valid.
 */
export const auditBodyMigration: PlatformMigration = {
  name: '0004-audit-body',
  async up(db, dialect) {
    let table = db.schema
      .createTable('audit_records_v2')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull());
    for (const [i, name] of CHAIN_COLUMNS.entries()) {
      if (name === 'seq') continue;
      // JSON null comes out as SQL NULL on both dialects; `text::jsonb` and `->>` are immutable.
      const expr = dialect === 'postgres' ? sql.raw(`((body::jsonb) ->> ${i})`) : sql.raw(`json_extract(body, '$[${i}]')`);
      table = table.addColumn(name, 'text', (c) => (dialect === 'postgres' ? c.generatedAlwaysAs(expr).stored() : c.generatedAlwaysAs(expr)));
    }
    await table.execute();
    await copyRecords(db);
    await db.schema.dropTable('audit_records').execute();
    await db.schema.alterTable('audit_records_v2').renameTo('audit_records').execute();
    await db.schema.createIndex('audit_action_idx').on('audit_records').columns(['action', 'seq']).execute();
    await db.schema.createIndex('audit_actor_idx').on('audit_records').columns(['actor_id', 'seq']).execute();
    await db.schema.createIndex('audit_org_idx').on('audit_records').columns(['org_id', 'seq']).execute();
    await db.schema.createIndex('audit_time_idx').on('audit_records').column('occurred_at').execute();
    await db.schema.createIndex('audit_subject_idx').on('audit_records').columns(['subject_type', 'subject_id']).execute();
    await db.schema.createIndex('audit_data_subject_idx').on('audit_records').columns(['data_subject', 'seq']).execute();
  },
};

async function copyRecords(db: Db): Promise<void> {
  let after = 0;
  for (;;) {
    const rows = (await db.selectFrom('audit_records').selectAll().where('seq', '>', after).orderBy('seq').limit(1000).execute()) as LegacyRow[];
    if (rows.length === 0) return;
    await db
      .insertInto('audit_records_v2')
      .values(rows.map((r) => ({ seq: Number(r.seq), body: legacyBody(r), hash: r.hash })))
      .execute();
    after = Number(rows[rows.length - 1]!.seq);
  }
}
