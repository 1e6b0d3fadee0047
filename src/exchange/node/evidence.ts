import { getSuite } from '../../core/crypto/index.js';
import { verifySignatureToken } from '../protocol/batch-signature.js';
import { verifyGlobalConf, type CenterKey, type SignedGlobalConf } from '../protocol/globalconf.js';
import { canonicalRequest, canonicalResponse, requestHash, type RequestEnvelope, type ResponseEnvelope } from '../protocol/messages.js';
import { chainHash, type MessageLog, type MessageRecord } from './message-log.js';

/**
 * A self-contained proof of one exchanged message (`zhengtong-evidence/1`): the logged record with
 * its chain hashes, both nodes' signatures, the bodies if the service keeps them, and the signed
 * global configuration that names both nodes' public keys. `verifyEvidence` checks it offline;
 * the only thing to trust is the center key fingerprint it prints.
 */
export interface EvidenceBundle {
  format: 'zhengtong-evidence/1';
  exportedBy: string;
  exportedAt: string;
  record: MessageRecord;
  center: CenterKey;
  globalConf: SignedGlobalConf;
  bodies: { request: string | null; response: string | null };
}

/**
 * Builds the bundle of a message from a node's log. Undefined when the node has no such message.
 * Bodies kept encrypted at rest are decrypted into the bundle, so it verifies offline without the
 * node's data key.
 *
 * @throws CRYPTO_BAD_KEY / CRYPTO_DECRYPT_FAILED when an encrypted body cannot be read (see `MessageLog.readBody`).
 */
export async function exportEvidence(
  log: MessageLog,
  input: { nodeId: string; messageId: string; role?: 'consumer' | 'provider'; center: CenterKey; globalConf: SignedGlobalConf; now: Date },
): Promise<EvidenceBundle | undefined> {
  const [record] = await log.find(input.messageId, input.role);
  if (!record) return undefined;
  const b64 = (b: Buffer | undefined) => (b ? b.toString('base64') : null);
  const full = record.bodies === 'full';
  return {
    format: 'zhengtong-evidence/1',
    exportedBy: input.nodeId,
    exportedAt: input.now.toISOString(),
    record,
    center: input.center,
    globalConf: input.globalConf,
    bodies: {
      request: full ? b64(await log.readBody(record.role, record.message_id, 'request')) : null,
      response: full ? b64(await log.readBody(record.role, record.message_id, 'response')) : null,
    },
  };
}

export interface EvidenceCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

/** Checks a bundle offline; `ok` only when every check passes. Never throws on bad input. */
export function verifyEvidence(bundle: EvidenceBundle): { ok: boolean; centerFingerprint: string; checks: EvidenceCheck[] } {
  const checks: EvidenceCheck[] = [];
  const add = (name: string, ok: boolean, detail?: string) => checks.push({ name, ok, ...(detail ? { detail } : {}) });
  try {
    if (bundle.format !== 'zhengtong-evidence/1') add('format', false, String(bundle.format));
    const conf = verifyGlobalConf(bundle.globalConf, bundle.center);
    add('global configuration signed by the center', conf.ok, conf.ok ? `version ${conf.conf.version}` : conf.reason);
    if (!conf.ok) return { ok: false, centerFingerprint: bundle.center?.fingerprint ?? '', checks };
    const r = bundle.record;
    const consumer = conf.conf.nodes.find((n) => n.id === r.consumer_node);
    const provider = conf.conf.nodes.find((n) => n.id === r.provider_node);
    const exporter = conf.conf.nodes.find((n) => n.id === bundle.exportedBy);
    add('both nodes registered', !!consumer && !!provider && !!exporter);
    if (!consumer || !provider || !exporter) return { ok: false, centerFingerprint: bundle.center.fingerprint, checks };

    const { hash, prev_hash, ...fields } = r;
    add('message log record hash', chainHash(getSuite(exporter.signSuite).hash, prev_hash, fields) === hash);

    const env: RequestEnvelope = {
      method: r.method,
      path: r.path,
      messageId: r.message_id,
      client: r.client,
      service: r.service,
      userId: r.user_id,
      issue: r.issue,
      purpose: r.purpose,
      timestamp: r.request_timestamp,
      sender: r.consumer_node,
      recipient: r.provider_node,
      contentType: r.request_content_type,
      bodyHash: r.request_body_hash,
    };
    const cs = getSuite(consumer.signSuite);
    const canonical = canonicalRequest(env);
    add('request signed by the consumer node', verifySignatureToken(cs, cs.importPublicKey(consumer.signPublicKey), canonical, r.request_signature));
    const resp: ResponseEnvelope = {
      messageId: r.message_id,
      requestHash: r.request_hash,
      status: Number(r.response_status),
      contentType: r.response_content_type,
      error: r.response_error,
      timestamp: r.response_timestamp,
      sender: r.provider_node,
      recipient: r.consumer_node,
      bodyHash: r.response_body_hash,
    };
    const ps = getSuite(provider.signSuite);
    add(
      'response signed by the provider node',
      verifySignatureToken(ps, ps.importPublicKey(provider.signPublicKey), canonicalResponse(resp), r.response_signature),
    );
    if (bundle.bodies.request !== null) {
      const body = Buffer.from(bundle.bodies.request, 'base64');
      add('request body matches its signed hash', cs.hash(body).toString('hex') === r.request_body_hash && requestHash(canonical, body) === r.request_hash);
    }
    if (bundle.bodies.response !== null) {
      add('response body matches its signed hash', ps.hash(Buffer.from(bundle.bodies.response, 'base64')).toString('hex') === r.response_body_hash);
    }
  } catch (e) {
    add('readable bundle', false, (e as Error).message);
  }
  return { ok: checks.every((c) => c.ok), centerFingerprint: bundle.center?.fingerprint ?? '', checks };
}
