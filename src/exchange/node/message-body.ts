import { createHash, randomUUID, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, OutgoingMessage, ServerResponse } from 'node:http';
import type { CryptoSuite } from '../../core/crypto/index.js';
import { XRoadError, type XRoadErrorType } from '../protocol/xroad-errors.js';

/** The hashes a body may be asked for: a suite's hash (body hashes) and SHA-512 (`X-Road-Request-Hash`). */
export type BodyHashName = CryptoSuite['hashName'] | 'sha512';

/** How a body is read off the wire. */
export interface BodyReadOptions {
  /** Largest body accepted: beyond it the read fails with `tooLarge` (the rest is drained and dropped). */
  max: number;
  tooLarge: XRoadErrorType;
  /** Bodies larger than this are written to a file in `spoolDir` as they arrive, never held whole in memory. */
  spoolAbove: number;
  spoolDir: string;
  /** The hashes a spooled body is hashed with while it is written (a spooled body is not read again to hash it). */
  hashes: readonly BodyHashName[];
}

/** What a body in memory is hashed with: a suite's own one-shot hash (native or pure JS), or node:crypto. */
type HashSource = Pick<CryptoSuite, 'hashName' | 'hash'> | 'sha512';

const premature = () => Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });

/**
 * One message body on its way through a node: small ones in memory (the common case, as cheap as
 * a Buffer), larger ones spooled to a file while they are hashed, so a node's memory does not
 * grow with the bodies it passes on (issue: "bodies are streamed, never held whole in memory").
 *
 * A spooled body's file belongs to the body: `dispose()` removes it once the message is done
 * (a node also empties its spool folder when it starts, for files a crash left behind).
 *
 * @example
 * const body = await MessageBody.read(req, { max, tooLarge: 'Client.BodyTooLarge', spoolAbove: 1 << 20, spoolDir, hashes: ['sha256', 'sha512'] });
 * try { body.hash(suite); body.send(outgoing) } finally { await body.dispose() }
 */
export class MessageBody {
  private disposed = false;

  private constructor(
    readonly size: number,
    private readonly memory: Buffer | undefined,
    private readonly file: string | undefined,
    private readonly digests: Map<BodyHashName, Buffer>,
  ) {}

  /** A body held in memory (a message the node builds itself, or a small one read off the wire). */
  static of(buffer: Buffer): MessageBody {
    return new MessageBody(buffer.length, buffer, undefined, new Map());
  }

  static readonly EMPTY = MessageBody.of(Buffer.alloc(0));

  /**
   * Reads a request or response body: in memory up to `spoolAbove` bytes, else into a new file in
   * `spoolDir` (mode 0600, removed again if the read fails), hashed as it is written. A stream is
   * read with its events, not as an async iterator (cheaper per chunk for the many small bodies),
   * and paused while the file catches up.
   *
   * @throws XRoadError `tooLarge` beyond `max`; the stream's own error, or ERR_STREAM_PREMATURE_CLOSE
   * when it breaks or closes before its end.
   */
  static read(stream: IncomingMessage, options: BodyReadOptions): Promise<MessageBody> {
    if (stream.readableEnded) return Promise.resolve(MessageBody.EMPTY);
    if (stream.destroyed) return Promise.reject(premature());
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let total = 0;
      let spool: { file: string; out: fs.WriteStream; hashes: Array<[BodyHashName, Hash]>; failed?: Error } | undefined;
      const detach = () => stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      const fail = (e: unknown) => {
        detach();
        if (spool) {
          const { file, out } = spool;
          out.destroy();
          void fs.promises.rm(file, { force: true });
        }
        reject(e);
      };
      const startSpool = () => {
        const file = path.join(options.spoolDir, `${randomUUID()}.body`);
        const out = fs.createWriteStream(file, { flags: 'wx', mode: 0o600 });
        spool = { file, out, hashes: options.hashes.map((name) => [name, createHash(name)]) };
        const s = spool;
        out.on('error', (e) => {
          s.failed = e;
          stream.resume();
          fail(e);
        });
        out.on('drain', () => stream.resume());
        for (const c of chunks) write(c);
        chunks.length = 0;
      };
      const write = (chunk: Buffer) => {
        for (const [, h] of spool!.hashes) h.update(chunk);
        if (!spool!.out.write(chunk)) stream.pause();
      };
      const onData = (chunk: Buffer) => {
        total += chunk.length;
        if (total > options.max) {
          fail(new XRoadError(options.tooLarge, `limit ${options.max} bytes`));
          stream.resume(); // drained and dropped, so the connection is not left stalled
          return;
        }
        if (spool) write(chunk);
        else {
          chunks.push(chunk);
          if (total > options.spoolAbove) startSpool();
        }
      };
      const onEnd = () => {
        detach();
        if (!spool) {
          resolve(MessageBody.of(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)));
          return;
        }
        const s = spool;
        if (s.failed) return;
        s.out.end(() => {
          if (s.failed) return;
          resolve(new MessageBody(total, undefined, s.file, new Map(s.hashes.map(([name, h]) => [name, h.digest()]))));
        });
      };
      const onError = (e: Error) => fail(e);
      const onClose = () => fail(premature());
      stream.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    });
  }

  /** True when the body is in a spool file rather than in memory. */
  get spooled(): boolean {
    return this.file !== undefined;
  }

  /** The body's hash with a suite's hash function, or SHA-512 (computed once; a spooled body's while it was written). */
  hash(source: HashSource): Buffer {
    const name: BodyHashName = source === 'sha512' ? 'sha512' : source.hashName;
    let digest = this.digests.get(name);
    if (!digest) {
      if (!this.memory) throw new Error(`a spooled body was not hashed with ${name} while it was read (BodyReadOptions.hashes)`);
      digest = source === 'sha512' ? createHash('sha512').update(this.memory).digest() : source.hash(this.memory);
      this.digests.set(name, digest);
    }
    return digest;
  }

  /** The body in memory; throws for a spooled one (use `load`). Only for bodies the node knows to be small. */
  bytes(): Buffer {
    if (!this.memory) throw new Error('the body is spooled to disk: read it with load()');
    return this.memory;
  }

  /** The whole body in memory when it has at most `max` bytes (read from its file when spooled), else undefined. */
  async load(max: number): Promise<Buffer | undefined> {
    if (this.size > max) return undefined;
    return this.memory ?? fs.promises.readFile(this.file!);
  }

  /**
   * Writes the body as the whole payload of `out` (a request to another node or a backend, or a
   * response) and ends it: a spooled body streams from its file with back-pressure; a failed read
   * destroys `out` (its peer sees a broken message, never a short one taken as whole).
   */
  send(out: OutgoingMessage): void {
    if (this.memory) {
      out.end(this.size > 0 ? this.memory : undefined);
      return;
    }
    const input = fs.createReadStream(this.file!, { highWaterMark: 1024 * 1024 });
    input.on('error', (e) => out.destroy(e));
    input.pipe(out);
  }

  /** Removes a spooled body's file (idempotent; nothing to do for a body in memory). */
  async dispose(): Promise<void> {
    if (!this.file || this.disposed) return;
    this.disposed = true;
    await fs.promises.rm(this.file, { force: true });
  }
}

/** Empties (or creates) a node's spool folder: files left there belong to messages a stopped node never finished. */
export async function resetSpool(dir: string): Promise<void> {
  await fs.promises.rm(dir, { recursive: true, force: true });
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
}

/** Disposes of `bodies` once `res` is done: its answer sent, or the connection gone. */
export function disposeWhenDone(res: ServerResponse, ...bodies: MessageBody[]): void {
  // Only spooled bodies hold anything to release: no listener per message for the many small ones.
  const spooled = bodies.filter((b) => b.spooled);
  if (spooled.length === 0) return;
  res.once('close', () => {
    for (const b of spooled) void b.dispose();
  });
}
