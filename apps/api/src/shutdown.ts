import type { Logger } from '@ubos/platform';

/** `pnpm start` forwards the terminal's signal to a process that already got it from its group. */
const DUPLICATE_SIGNAL_WINDOW_MS = 1_000;

export interface ShutdownOptions {
  log: Logger;
  timeoutMs: number;
  stop: () => Promise<void>;
  exit?: (code: number) => void;
  now?: () => number;
}

/**
 * The signal handler: the first signal runs `stop` (drain HTTP, workers, pools) and exits 0,
 * or 1 if it fails or outlives `timeoutMs`. A repeat within a second is the same request; a
 * later one exits at once.
 */
export function createShutdownHandler(options: ShutdownOptions): (signal: NodeJS.Signals) => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const now = options.now ?? Date.now;
  let firstSignalAt: number | null = null;

  return (signal) => {
    if (firstSignalAt !== null) {
      if (now() - firstSignalAt < DUPLICATE_SIGNAL_WINDOW_MS) return;
      options.log.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    firstSignalAt = now();
    options.log.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down');
    const timer = setTimeout(() => {
      options.log.error({ timeoutMs: options.timeoutMs }, 'shutdown timed out: forcing exit');
      exit(1);
    }, options.timeoutMs);
    options
      .stop()
      .then(() => {
        clearTimeout(timer);
        options.log.info('shutdown complete');
        exit(0);
      })
      .catch((error: unknown) => {
        clearTimeout(timer);
        options.log.error({ err: error }, 'shutdown failed');
        exit(1);
      });
  };
}

/** Installs the handler for SIGTERM and SIGINT; returns a function that removes it. */
export function installShutdown(options: ShutdownOptions & { signals?: readonly NodeJS.Signals[] }): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const onSignal = createShutdownHandler(options);
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.removeListener(signal, onSignal);
  };
}
