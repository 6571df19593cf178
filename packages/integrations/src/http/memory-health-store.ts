import type { BreakerSnapshot, CallOutcome, ConnectionHealthStore, ConnectionRef } from '@ubos/platform';

export interface ConnectionHealth {
  breaker: BreakerSnapshot;
  lastSuccessAt: Date | null;
  lastError: { message: string; providerCode?: string; at: Date } | null;
  nextRetryAt: Date | null;
  successes: number;
  failures: number;
  /** Every breaker state this connection went through, in order (`closed` first). */
  transitions: BreakerSnapshot['state'][];
}

const closed = (): BreakerSnapshot => ({ state: 'closed', consecutiveFailures: 0, openedAt: null });

/**
 * The health store for tests and tools: the same contract as the registry's (one row per
 * connection), kept in a Map. Its claimProbe is atomic within the process.
 */
export class MemoryHealthStore implements ConnectionHealthStore {
  private readonly rows = new Map<string, ConnectionHealth>();
  private readonly now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.now = options.now ?? (() => new Date());
  }

  private row(ref: ConnectionRef): ConnectionHealth {
    const key = `${ref.tenantId}/${ref.connectionId}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { breaker: closed(), lastSuccessAt: null, lastError: null, nextRetryAt: null, successes: 0, failures: 0, transitions: ['closed'] };
      this.rows.set(key, row);
    }
    return row;
  }

  private setBreaker(row: ConnectionHealth, breaker: BreakerSnapshot): void {
    if (row.breaker.state !== breaker.state) row.transitions.push(breaker.state);
    row.breaker = { ...breaker };
  }

  /** What the connection's row would show (a copy). */
  health(ref: ConnectionRef): ConnectionHealth {
    const row = this.row(ref);
    return { ...row, breaker: { ...row.breaker }, transitions: [...row.transitions] };
  }

  async breaker(ref: ConnectionRef): Promise<BreakerSnapshot> {
    return { ...this.row(ref).breaker };
  }

  async record(ref: ConnectionRef, outcome: CallOutcome, breaker: BreakerSnapshot): Promise<void> {
    const row = this.row(ref);
    if (outcome.outcome === 'success') {
      row.successes += 1;
      row.lastSuccessAt = this.now();
      row.nextRetryAt = null;
    } else {
      row.failures += 1;
      row.lastError = { message: outcome.message, ...(outcome.providerCode ? { providerCode: outcome.providerCode } : {}), at: this.now() };
      row.nextRetryAt = outcome.retryAt ?? null;
    }
    this.setBreaker(row, breaker);
  }

  async claimProbe(ref: ConnectionRef, expected: BreakerSnapshot, now: Date): Promise<boolean> {
    const row = this.row(ref);
    if (row.breaker.state !== expected.state || row.breaker.openedAt?.getTime() !== expected.openedAt?.getTime()) return false;
    this.setBreaker(row, { state: 'half_open', consecutiveFailures: row.breaker.consecutiveFailures, openedAt: now });
    return true;
  }
}
