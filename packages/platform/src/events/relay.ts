import pg from 'pg';
import type { Logger } from '../logger.ts';

export interface RelayOptions {
  /** Shown in logs and as the LISTEN connection's application_name. */
  name: string;
  /** The NOTIFY channel that announces new rows. */
  channel: string;
  /** Settings of the dedicated LISTEN connection (not a pooled one: it is held for good). */
  connection: pg.ClientConfig;
  /**
   * One pass in one transaction: claim due rows (FOR UPDATE SKIP LOCKED), hand them to their
   * queue, commit; returns how many rows it moved. Passes repeat while one moves `batchSize`.
   */
  pass(): Promise<number>;
  batchSize: number;
  /** Fallback poll when no NOTIFY arrives. */
  pollIntervalMs: number;
  log: Logger;
  /** A NOTIFY arrived: return false to skip the pass (the payload asked for something else). */
  onNotification?(payload: string | undefined): boolean;
  /** Runs on every poll tick before the pass (e.g. a periodic sync). */
  onPoll?(): void;
}

/**
 * The kernel's one table-to-queue relay: a LISTEN connection that wakes it when rows commit
 * (reconnecting after a loss), a poll as the fallback, and coalesced passes (one at a time,
 * re-run when woken meanwhile, repeated while batches come back full). The outbox dispatcher
 * and the workflow engine's step wake-ups run on it with their own claim.
 */
export class Relay {
  readonly #options: RelayOptions;
  #listener: pg.Client | null = null;
  #timer: NodeJS.Timeout | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;
  #again = false;
  #stopped = true;

  constructor(options: RelayOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#listen();
    this.#schedulePoll();
    this.wake();
  }

  /** Requests a pass; coalesces with one already running. */
  wake(): void {
    void this.drain();
  }

  /**
   * Runs passes until nothing is due and resolves with the rows moved. While a run is going,
   * it asks that run to go round once more and resolves with its total.
   */
  drain(): Promise<number> {
    if (this.#stopped) return Promise.resolve(0);
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const running = this.#loop().finally(() => {
      this.#running = null;
    });
    this.#running = running;
    return running;
  }

  /** Resolves when no pass is running. For tests and shutdown. */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    await this.flush();
    const listener = this.#listener;
    this.#listener = null;
    if (listener) {
      await listener.query(`UNLISTEN ${this.#options.channel}`).catch(() => undefined);
      await listener.end().catch(() => undefined);
    }
  }

  async #loop(): Promise<number> {
    const { pass, batchSize, log, name } = this.#options;
    let total = 0;
    try {
      do {
        this.#again = false;
        let moved: number;
        do {
          if (this.#stopped) return total;
          moved = await pass();
          total += moved;
        } while (moved >= batchSize);
      } while (this.#again && !this.#stopped);
    } catch (error) {
      log.error({ err: error, relay: name }, 'relay pass failed; retrying on the next poll');
    }
    return total;
  }

  #schedulePoll(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#options.onPoll?.();
      this.wake();
      this.#schedulePoll();
    }, this.#options.pollIntervalMs);
    this.#timer.unref();
  }

  #retryListen(): void {
    if (this.#stopped) return;
    this.#reconnectTimer = setTimeout(() => {
      this.#listen()
        .then(() => this.wake())
        .catch(() => undefined);
    }, 1000);
    this.#reconnectTimer.unref();
  }

  async #listen(): Promise<void> {
    const { connection, channel, log, name } = this.#options;
    const client = new pg.Client({ ...connection, application_name: `${name}-listen` });
    const reconnect = () => {
      if (this.#stopped || this.#listener !== client) return;
      this.#listener = null;
      client.end().catch(() => undefined);
      this.#retryListen();
    };
    client.on('notification', (message) => {
      if (this.#options.onNotification?.(message.payload) === false) return;
      this.wake();
    });
    client.on('error', (error) => {
      log.warn({ err: error, relay: name }, 'relay listener lost; polling until it reconnects');
      reconnect();
    });
    client.on('end', reconnect);
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
      this.#listener = client;
    } catch (error) {
      log.warn({ err: error, relay: name }, 'relay listener unavailable; polling');
      await client.end().catch(() => undefined);
      this.#retryListen();
    }
  }
}
