import { pino, type Logger } from 'pino';
import { isDatabaseUnavailable } from './errors.ts';

export type { Logger };

/** Paths whose values never reach a log line. */
export const redactedPaths = [
  'password',
  '*.password',
  'newPassword',
  '*.newPassword',
  'currentPassword',
  '*.currentPassword',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'secret',
  '*.secret',
  'signature',
  '*.signature',
  'cookie',
  '*.cookie',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  '*.headers.cookie',
  '*.headers.authorization',
];

export interface LoggerOptions {
  level?: string;
  destination?: NodeJS.WritableStream;
  /**
   * While this says true (the process is stopping), a lost-database error logged at warn or above is
   * logged at debug: on Ctrl-C the terminal's SIGINT also stops the embedded Postgres, whose
   * "terminating connection" is then expected, not a failure.
   */
  quietWhile?: () => boolean;
  /**
   * How long a lost-database line waits for a pending shutdown before it is written at its own
   * level (default 0: written at once). A Ctrl-C reaches the embedded Postgres and this process
   * together, and under load the dropped connection can be seen before the signal handler runs;
   * a short wait lets `quietWhile` turn true first. A lost database that is not a shutdown is
   * still logged as an error, this much later.
   */
  quietGraceMs?: number;
}

/** The `err` of a log call's first argument, if it has one. */
function errorOf(args: unknown[]): unknown {
  const first = args[0];
  if (first instanceof Error) return first;
  if (first && typeof first === 'object' && 'err' in first) return (first as { err: unknown }).err;
  return undefined;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const quietWhile = options.quietWhile;
  const grace = options.quietGraceMs ?? 0;
  const pinoOptions = {
    level: options.level ?? 'info',
    base: { service: 'ubos' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(quietWhile
      ? {
          hooks: {
            logMethod(this: Logger, args: Parameters<Logger['info']>, method: Logger['info'], level: number) {
              if (level < 40 || !isDatabaseUnavailable(errorOf(args))) {
                method.apply(this, args);
                return;
              }
              if (quietWhile()) {
                this.debug(...args);
                return;
              }
              if (grace <= 0) {
                method.apply(this, args);
                return;
              }
              setTimeout(() => {
                if (quietWhile()) this.debug(...args);
                else method.apply(this, args);
              }, grace);
            },
          },
        }
      : {}),
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}
