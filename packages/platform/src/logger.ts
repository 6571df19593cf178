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
  const pinoOptions = {
    level: options.level ?? 'info',
    base: { service: 'ubos' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(quietWhile
      ? {
          hooks: {
            logMethod(this: Logger, args: Parameters<Logger['info']>, method: Logger['info'], level: number) {
              if (level >= 40 && quietWhile() && isDatabaseUnavailable(errorOf(args))) {
                this.debug(...args);
                return;
              }
              method.apply(this, args);
            },
          },
        }
      : {}),
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}
