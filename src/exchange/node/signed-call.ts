import type http from 'node:http';
import https from 'node:https';
import type { PeerCertificate } from 'node:tls';
import type { Clock } from '../../core/clock.js';
import { getSuite, type CryptoSuite } from '../../core/crypto/index.js';
import type { ConfNode } from '../protocol/globalconf.js';
import { canonicalRequest, canonicalResponse, H, requestHashOf, type RequestEnvelope, type ResponseEnvelope } from '../protocol/messages.js';
import { XRoadError } from '../protocol/xroad-errors.js';
import { header } from './http-util.js';
import { MessageBody } from './message-body.js';
import { outcomeOf, requestFields, type MessageBodies, type MessageLog } from './message-log.js';

/** The raw answer of another node's server side. */
export interface NodeAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** In memory when small; spooled to disk when larger than the caller's `spoolAbove` (the receiver disposes of it). */
  body: MessageBody;
}

/** What a signed call needs from its node: identity, keys, transport, clock and message log. */
export interface SignedCallDeps {
  /** This node's id (the sender). */
  self: string;
  suite: CryptoSuite;
  clock: Clock;
  messageLog: Pick<MessageLog, 'append'>;
  sign(data: Buffer): Promise<string>;
  verifyBy(node: ConfNode, data: Buffer, signature: string): boolean;
  /** Sends a signed request to another node's server side (mutual TLS, pinned certificate). */
  callNode(node: ConfNode, env: RequestEnvelope, body: MessageBody, signature: string): Promise<NodeAnswer>;
  /**
   * Bodies larger than this are not kept in the message log (the record is logged `metadata`,
   * its signed body hashes still name what was exchanged); default: every body is kept.
   */
  maxKeptBodyBytes?: number;
}

/** The request half a caller chooses; sender, recipient, body hash (and the timestamp, unless given) are filled in. */
export type SignedRequest = Omit<RequestEnvelope, 'timestamp' | 'sender' | 'recipient' | 'bodyHash'> & { timestamp?: string };

/** A verified answer: the envelopes of both halves, the request hash and the answer's raw body (the caller disposes of it). */
export interface SignedAnswer {
  request: RequestEnvelope;
  requestHash: string;
  response: ResponseEnvelope;
  body: MessageBody;
}

/** Sends one signed message to another node and returns its verified answer. */
export type SignedCall = (node: ConfNode, request: SignedRequest, body: Buffer | MessageBody) => Promise<SignedAnswer>;

/**
 * Makes the consumer half of the exchange protocol: builds the request envelope, signs it, sends it
 * with `callNode`, checks the answer's signature, body hash and request hash, and appends the
 * exchange (role consumer, bodies in full) to the message log before returning.
 *
 * Throws (as typed XRoadErrors): `Server.ClientProxy.NetworkError` when the node cannot be
 * reached (from `callNode`), `Server.ClientProxy.InvalidSignature` when the answer's signature or
 * body hash does not verify, `Server.ClientProxy.InvalidRequestHash` when the answer is not to
 * this request. An answer that fails these checks is not logged.
 *
 * @example
 * const signedCall = createSignedCall({ self, suite, clock, messageLog, sign, verifyBy, callNode });
 * const answer = await signedCall(provider, { method: 'GET', path: `/r1/${service}`, messageId, client, service,
 *   userId: '', issue: '', purpose: '', contentType: '' }, Buffer.alloc(0));
 * answer.response.status; // the provider's status, signature checked
 */
export function createSignedCall(deps: SignedCallDeps): SignedCall {
  const maxKept = deps.maxKeptBodyBytes ?? Infinity;
  return async (node, request, given) => {
    const body = Buffer.isBuffer(given) ? MessageBody.of(given) : given;
    const started = request.timestamp ?? deps.clock.now().toISOString();
    const env: RequestEnvelope = {
      ...request,
      timestamp: started,
      sender: deps.self,
      recipient: node.id,
      bodyHash: body.hash(deps.suite).toString('hex'),
    };
    const canonical = canonicalRequest(env);
    const signature = await deps.sign(canonical);
    const expectedRequestHash = requestHashOf(canonical, body.hash('sha512'));
    const answer = await deps.callNode(node, env, body, signature);
    try {
      const response: ResponseEnvelope = {
        messageId: env.messageId,
        requestHash: header(answer.headers, H.requestHash),
        status: answer.status,
        contentType: header(answer.headers, 'content-type'),
        error: header(answer.headers, H.error),
        timestamp: header(answer.headers, H.timestamp),
        sender: node.id,
        recipient: deps.self,
        bodyHash: header(answer.headers, H.bodyHash),
      };
      const responseSignature = header(answer.headers, H.signature);
      if (
        !deps.verifyBy(node, canonicalResponse(response), responseSignature) ||
        answer.body.hash(getSuite(node.signSuite)).toString('hex') !== response.bodyHash
      )
        throw new XRoadError('Server.ClientProxy.InvalidSignature', `response of ${node.id}`);
      if (response.requestHash !== expectedRequestHash) throw new XRoadError('Server.ClientProxy.InvalidRequestHash');
      const kept = await keptBodies(body, answer.body, maxKept);
      await deps.messageLog.append(
        {
          ...requestFields(env, expectedRequestHash, signature, 'consumer', env.sender, node.id),
          response_timestamp: response.timestamp,
          response_status: response.status,
          response_content_type: response.contentType,
          response_error: response.error,
          response_body_hash: response.bodyHash,
          response_signature: responseSignature,
          outcome: outcomeOf(response.error, response.status),
          bodies: kept ? 'full' : 'metadata',
          started_at: started,
          ended_at: deps.clock.now().toISOString(),
        },
        kept,
      );
      return { request: env, requestHash: expectedRequestHash, response, body: answer.body };
    } catch (e) {
      await answer.body.dispose();
      throw e;
    }
  };
}

/**
 * Both bodies of a message, for the message log, when each has at most `max` bytes (read from
 * its spool file if need be); undefined when one is larger: the record then keeps metadata only.
 */
export async function keptBodies(request: MessageBody, response: MessageBody, max: number): Promise<MessageBodies | undefined> {
  if (request.size > max || response.size > max) return undefined;
  return { request: (await request.load(max))!, response: (await response.load(max))! };
}

/** How long a call to another node may go without any traffic before it fails (the agent's socket timeout should be the same). */
export const NODE_CALL_TIMEOUT_MS = 60_000;

/** What a call to one node needs beside its envelope: where it listens and the certificate check. */
interface NodeTarget {
  protocol: string;
  hostname: string;
  port: string;
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
}

/**
 * The transport of signed messages: sends the request to the node's address over mutual TLS with
 * `agent` (this node's certificate), accepting only the certificate the global configuration names
 * for that node, and reads the answer up to `read.max` bytes — spooled to a file above `read.spoolAbove`
 * (hashed with the answering node's suite hash as it arrives). No traffic for `NODE_CALL_TIMEOUT_MS`
 * (give the agent that `timeout` too: a request whose timeout equals its agent's does not re-arm
 * its socket's timer per call), a refused connection or an oversized answer:
 * `Server.ClientProxy.NetworkError`.
 *
 * @example
 * const callNode = createNodeCaller(new https.Agent({ key, cert, ca: [trustRoot], keepAlive: true, timeout: NODE_CALL_TIMEOUT_MS }), { max: 10 * 1024 * 1024 });
 */
export function createNodeCaller(agent: https.Agent, read: { max: number; spoolAbove?: number; spoolDir?: string }): SignedCallDeps['callNode'] {
  const spoolAbove = read.spoolDir ? (read.spoolAbove ?? Infinity) : Infinity;
  // Parsed once per node address and certificate, not per message.
  const targets = new Map<string, NodeTarget>();
  const targetOf = (node: ConfNode): NodeTarget => {
    const key = `${node.address}\n${node.certFingerprint}`;
    let target = targets.get(key);
    if (!target) {
      const url = new URL(node.address);
      target = {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port,
        // Nodes are named by the fingerprint of their certificate in the global configuration, not by host name.
        checkServerIdentity: (_host, cert) =>
          cert.fingerprint256.replace(/:/g, '').toLowerCase() === node.certFingerprint
            ? undefined
            : new Error('the provider certificate is not the one in the global configuration'),
      };
      if (targets.size >= 1024) targets.clear();
      targets.set(key, target);
    }
    return target;
  };
  return (node, env, body, signature) =>
    new Promise<NodeAnswer>((resolve, reject) => {
      const headers: Record<string, string | number> = {
        [H.client]: env.client,
        [H.id]: env.messageId,
        [H.userId]: env.userId,
        [H.issue]: env.issue,
        [H.purpose]: encodeURIComponent(env.purpose),
        [H.sender]: env.sender,
        [H.recipient]: env.recipient,
        [H.timestamp]: env.timestamp,
        [H.bodyHash]: env.bodyHash,
        [H.signature]: signature,
        'content-length': body.size,
      };
      if (env.contentType) headers['content-type'] = env.contentType;
      let target: NodeTarget;
      try {
        target = targetOf(node);
      } catch {
        reject(new XRoadError('Server.ClientProxy.NetworkError', `${node.id}: malformed address ${node.address}`));
        return;
      }
      let request: http.ClientRequest;
      try {
        request = https.request(
          {
            protocol: target.protocol,
            hostname: target.hostname,
            port: target.port,
            // env.path is the normalised /r1/… path with its query (built by the node, not taken raw from a caller).
            path: env.path,
            method: env.method,
            agent,
            headers,
            timeout: NODE_CALL_TIMEOUT_MS,
            checkServerIdentity: target.checkServerIdentity,
          },
          (response) => {
            MessageBody.read(response, {
              max: read.max,
              tooLarge: 'Server.ClientProxy.NetworkError',
              spoolAbove,
              spoolDir: read.spoolDir ?? '',
              hashes: [getSuite(node.signSuite).hashName],
            }).then((b) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: b }), reject);
          },
        );
      } catch (e) {
        // A path http.request refuses (control characters): the message cannot be sent as signed.
        reject(new XRoadError('Server.ClientProxy.NetworkError', `${node.id}: ${(e as Error).message}`));
        return;
      }
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (e) => reject(e instanceof XRoadError ? e : new XRoadError('Server.ClientProxy.NetworkError', `${node.id}: ${e.message}`)));
      body.send(request);
    });
}
