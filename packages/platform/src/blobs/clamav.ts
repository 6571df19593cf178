import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Scanner, ScanResult } from './blob-store.ts';

/**
 * The ClamAV Scanner (§7): streams a blob to clamd with INSTREAM (`zINSTREAM\0`, then chunks each
 * prefixed with its 4-byte big-endian length, then a zero-length chunk) over TCP or a unix socket,
 * and reads `stream: OK` or `stream: <signature> FOUND`. Anything else (clamd's size limit, an
 * error, a timeout) throws ScanError: the caller retries or holds the file, never marks it clean.
 */
export interface ClamAvOptions {
  /** TCP (host and port) or a unix socket path. */
  host?: string;
  port?: number;
  socket?: string;
  /** Whole scan budget (connect, stream, verdict). */
  timeoutMs?: number;
  /** Refuse to send more than this (clamd's StreamMaxLength refuses anyway). */
  maxBytes?: number;
}

export class ScanError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScanError';
  }
}

const CHUNK_BYTES = 64 * 1024;
const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

export class ClamAvScanner implements Scanner {
  readonly name = 'clamav';
  private readonly options: ClamAvOptions;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(options: ClamAvOptions) {
    if (!options.socket && !options.host) throw new Error('The ClamAV scanner needs CLAMAV_HOST (with CLAMAV_PORT) or CLAMAV_SOCKET');
    this.options = options;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  /** clamd answers PING with PONG: a health check. */
  async ping(): Promise<boolean> {
    try {
      const reply = await this.exchange(async (socket) => {
        socket.end('zPING\0');
      });
      return reply === 'PONG';
    } catch {
      return false;
    }
  }

  async scan(body: Readable): Promise<ScanResult> {
    const reply = await this.exchange(async (socket, closed) => {
      await write(socket, Buffer.from('zINSTREAM\0'), closed);
      let sent = 0;
      for await (const data of body) {
        const chunk: Buffer = Buffer.isBuffer(data) ? data : Buffer.from(data as Uint8Array);
        sent += chunk.length;
        if (sent > this.maxBytes) {
          body.destroy();
          throw new ScanError(`The file is larger than the scanner's limit of ${this.maxBytes} bytes.`);
        }
        for (let offset = 0; offset < chunk.length; offset += CHUNK_BYTES) {
          const piece = chunk.subarray(offset, offset + CHUNK_BYTES);
          const length = Buffer.alloc(4);
          length.writeUInt32BE(piece.length);
          await write(socket, Buffer.concat([length, piece]), closed);
        }
      }
      socket.end(Buffer.alloc(4));
    });
    const verdict = /^stream: (.+?)( FOUND| ERROR)?$/.exec(reply);
    if (verdict && verdict[1] === 'OK' && !verdict[2]) return { clean: true };
    if (verdict && verdict[2] === ' FOUND' && verdict[1]) return { clean: false, signature: verdict[1] };
    throw new ScanError(`clamd could not scan the file: ${reply || 'no answer'}`);
  }

  /** Opens a connection, runs `send`, and answers clamd's reply (NUL-terminated, trimmed). */
  private exchange(send: (socket: Socket, closed: Promise<never>) => Promise<void>): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const socket = this.options.socket
        ? connect({ path: this.options.socket })
        : connect({ host: this.options.host ?? '127.0.0.1', port: this.options.port ?? 3310 });
      const chunks: Buffer[] = [];
      let done = false;
      let rejectClosed: (error: unknown) => void = () => undefined;
      const closed = new Promise<never>((_resolve, rejectPromise) => {
        rejectClosed = rejectPromise;
      });
      closed.catch(() => undefined);
      const finish = (error: unknown, reply?: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        if (error)
          reject(
            error instanceof ScanError ? error : new ScanError(`clamd failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }),
          );
        else resolve(reply ?? '');
      };
      const timer = setTimeout(() => finish(new ScanError(`clamd did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      socket.on('data', (data: Buffer) => {
        chunks.push(data);
        // clamd ends its reply with NUL (z-commands); it may close early when it refuses the stream.
        if (data.includes(0))
          finish(
            null,
            Buffer.concat(chunks)
              .toString('utf8')
              .replace(/\0[\s\S]*$/, '')
              .trim(),
          );
      });
      socket.on('end', () =>
        finish(
          null,
          Buffer.concat(chunks)
            .toString('utf8')
            .replace(/\0[\s\S]*$/, '')
            .trim(),
        ),
      );
      socket.on('error', (error) => {
        rejectClosed(error);
        // A reply already read (e.g. the size-limit error before a reset) wins over the reset.
        if (chunks.length > 0)
          finish(
            null,
            Buffer.concat(chunks)
              .toString('utf8')
              .replace(/\0[\s\S]*$/, '')
              .trim(),
          );
        else finish(error);
      });
      socket.once('connect', () => {
        send(socket, closed).catch((error: unknown) => {
          if (chunks.length > 0) return;
          finish(error);
        });
      });
    });
  }
}

function write(socket: Socket, data: Buffer, closed: Promise<never>): Promise<void> {
  if (socket.destroyed) return Promise.reject(new ScanError('clamd closed the connection'));
  if (socket.write(data)) return Promise.resolve();
  return Promise.race([new Promise<void>((resolve) => socket.once('drain', () => resolve())), closed]);
}
