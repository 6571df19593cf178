import { z } from 'zod';

/**
 * The one place that reads the environment. Everything else receives a Config.
 */
const booleanFromEnv = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const postgresUrl = z
  .string()
  .url()
  .refine((value) => value.startsWith('postgres://') || value.startsWith('postgresql://'), {
    message: 'must be a postgres:// or postgresql:// URL',
  });

/** OAuth clients of the providers UBOS connects to (§7): `OAUTH_<PROVIDER>_CLIENT_ID/_CLIENT_SECRET/_AUTHORIZE_URL/_TOKEN_URL`. */
export const oauthConfigProviders = ['GOOGLE', 'MICROSOFT', 'QUICKBOOKS', 'XERO', 'DOCUSIGN', 'DROPBOX_SIGN', 'PANDADOC'] as const;
type OAuthSettingKey = `OAUTH_${(typeof oauthConfigProviders)[number]}_${'CLIENT_ID' | 'CLIENT_SECRET' | 'AUTHORIZE_URL' | 'TOKEN_URL'}`;
const oauthProviderSettings = Object.fromEntries(
  oauthConfigProviders.flatMap((provider) => [
    [`OAUTH_${provider}_CLIENT_ID`, z.string().min(1).optional()],
    [`OAUTH_${provider}_CLIENT_SECRET`, z.string().min(1).optional()],
    [`OAUTH_${provider}_AUTHORIZE_URL`, z.string().url().optional()],
    [`OAUTH_${provider}_TOKEN_URL`, z.string().url().optional()],
  ]),
) as Record<OAuthSettingKey, z.ZodOptional<z.ZodString>>;

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** The internal operations port: /ready and /metrics are served here only, never on PORT (0 = any free port). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Where the operations port listens; loopback by default (set 0.0.0.0 inside a private network for scrapers and probes). */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_APP_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().min(1).default('./.data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  APP_DB_PASSWORD: z.string().min(8).default('ubos_app_dev_password'), // DEVELOPMENT_APP_DB_PASSWORD: refused in production
  REDIS_URL: z.string().url().optional(),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin.length > 0),
    ),
  SESSION_COOKIE_SECURE: booleanFromEnv.optional(),
  SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(300),
  /**
   * Procedure-call budgets in units per minute: a query costs 1, a mutation 5, an expensive call
   * (imports, exports, rebuilds, replays) 50. Every call of a batch is charged on its own; each
   * budget is a token bucket holding two seconds of its rate (callBucket in trpc.ts).
   */
  RATE_LIMIT_UNITS_PER_IP: z.coerce.number().int().min(60).default(6000),
  RATE_LIMIT_UNITS_PER_USER: z.coerce.number().int().min(60).default(3000),
  RATE_LIMIT_UNITS_PER_TENANT: z.coerce.number().int().min(60).default(6000),
  LOGIN_RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).default(20),
  /** Login attempts per account from one IP per window (a success resets it). */
  LOGIN_RATE_LIMIT_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  /** Failed logins per account from all IPs together per window: slower, so strangers cannot lock the owner out with a few guesses. */
  LOGIN_FAILURE_BUDGET_PER_ACCOUNT: z.coerce.number().int().min(1).default(100),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  PROCESS_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  WEB_DIST_DIR: z.string().default('apps/web/dist'),
  /** Apply every module's migrations at startup (idempotent). Set false when a release job runs `pnpm db:migrate`. */
  MIGRATE_ON_START: booleanFromEnv.default(true),
  /** Trust X-Forwarded-* from a reverse proxy (client IP for rate limits and logs). */
  TRUST_PROXY: booleanFromEnv.default(false),
  /** System mail through SMTP: `smtp://user:pass@host:587` or `smtps://…:465`. Without it, mail is kept in the outgoing-mail log (Settings → Email → Sent by UBOS). */
  SMTP_URL: z
    .string()
    .url()
    .refine((value) => value.startsWith('smtp://') || value.startsWith('smtps://'), { message: 'must be an smtp:// or smtps:// URL' })
    .optional(),
  /** The From of system mail. */
  MAIL_FROM: z.string().min(3).default('UBOS <no-reply@ubos.localhost>'),
  OUTBOX_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** OpenTelemetry: spans exported over OTLP/HTTP to <endpoint>/v1/traces; tracing is off (and free) when unset. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  VAULT_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)')
    .optional(),
  /** Older vault keys, still readable until `pnpm ubos vault:rotate`: comma list of `id:hex` (or bare hex). */
  VAULT_KEYS: z
    .string()
    .regex(
      /^\s*([A-Za-z0-9_-]{1,32}:)?[0-9a-fA-F]{64}\s*(,\s*([A-Za-z0-9_-]{1,32}:)?[0-9a-fA-F]{64}\s*)*$/,
      'must be a comma list of id:hex keys (64 hex characters each)',
    )
    .optional(),
  /** Where file bytes live (§7): `local` disk under DATA_DIR/blobs (embedded default) or an S3-compatible `s3` bucket. */
  BLOB_STORE: z.enum(['local', 's3']).default('local'),
  /** HMAC key of the local store's signed URLs; absent = generated once and kept in DATA_DIR. */
  BLOB_SIGNING_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  S3_ENDPOINT: z.string().url().optional(),
  /** The endpoint browsers reach for presigned URLs when it differs from S3_ENDPOINT (compose: minio:9000 inside, localhost:9000 outside). */
  S3_PUBLIC_ENDPOINT: z.string().url().optional(),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: booleanFromEnv.default(false),
  /** clamd over TCP (CLAMAV_HOST, CLAMAV_PORT) or a unix socket (CLAMAV_SOCKET); neither = no virus scanner. */
  CLAMAV_HOST: z.string().min(1).optional(),
  CLAMAV_PORT: z.coerce.number().int().min(1).max(65535).default(3310),
  CLAMAV_SOCKET: z.string().min(1).optional(),
  CLAMAV_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /**
   * Hosts and CIDRs outbound calls to tenant-configured addresses may reach although they are not
   * public (§7: a self-hoster's mail or CalDAV server on a private network), comma-separated:
   * `mail.internal, 10.1.2.0/24`. Cloud metadata addresses stay refused. Parsed by the SSRF guard.
   */
  OUTBOUND_ALLOW_HOSTS: z.string().default(''),
  ...oauthProviderSettings,
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const parsed = configSchema.safeParse(relevant);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = issue.path.join('.') || '(environment)';
      const received = relevant[variable] === undefined ? 'missing' : 'invalid';
      return `${variable} (${received}): ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  const refused = productionProblems(parsed.data);
  if (refused.length > 0) throw new ConfigError(refused);
  return parsed.data;
}

export const DEVELOPMENT_APP_DB_PASSWORD = 'ubos_app_dev_password';

/**
 * Production never starts on a development default secret: each problem names the variable.
 * (The embedded default, without DATABASE_URL, generates its own database passwords.)
 */
export function productionProblems(config: Config): string[] {
  if (config.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  if (config.DATABASE_URL && !config.DATABASE_APP_URL && config.APP_DB_PASSWORD === DEVELOPMENT_APP_DB_PASSWORD) {
    problems.push(`APP_DB_PASSWORD (missing): production refuses the development default password of ubos_app; set APP_DB_PASSWORD (or DATABASE_APP_URL)`);
  }
  if (!config.VAULT_KEY) {
    problems.push('VAULT_KEY (missing): production encrypts provider credentials with it; generate one with `openssl rand -hex 32`');
  }
  return problems;
}

export function isSecureCookie(config: Config): boolean {
  return config.SESSION_COOKIE_SECURE ?? config.NODE_ENV === 'production';
}

/** Settings of the test harness only (never read by the app). */
export const testSettingsSchema = z.object({
  TEST_ADMIN_DATABASE_URL: postgresUrl.default('postgres://postgres@127.0.0.1:5432/postgres'),
  TEST_REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
});

export type TestSettings = z.infer<typeof testSettingsSchema>;

export function loadTestSettings(env: Record<string, string | undefined> = process.env): TestSettings {
  const parsed = testSettingsSchema.safeParse({
    TEST_ADMIN_DATABASE_URL: env.TEST_ADMIN_DATABASE_URL || undefined,
    TEST_REDIS_URL: env.TEST_REDIS_URL || undefined,
  });
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  return parsed.data;
}
