import type { Logger } from '@ubos/platform';

const DUPLICATE_SIGNAL_WINDOW_MS = 1_000;

export interface ShutdownOptions {
  log: Logger;
  timeoutMs: number;
  stop: () => Promise<void>;
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

/**
 * On SIGTERM/SIGINT: run `stop` (drain HTTP, workers, pools) and exit 0; exit 1 if it fails
 * or outlives `timeoutMs`. A second signal exits at once. Returns a function that removes the handlers.
 */
export function installShutdown(options: ShutdownOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let firstSignalAt: number | null = null;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstSignalAt !== null) {
      // `pnpm start` forwards the terminal's signal to a process that already got it from its group:
      // a repeat within a second is the same request, not an impatient operator.
      if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_WINDOW_MS) return;
      options.log.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    firstSignalAt = Date.now();
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

  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.removeListener(signal, onSignal);
  };
}
