import { APP_ROLE, withCredentials, type Config } from '@ubos/platform';

export interface DatabaseUrls {
  /** Owner/migrator connection: runs migrations and installs pg-boss's schema. */
  ownerUrl: string;
  /** Runtime connection as ubos_app: every request and job. */
  appUrl: string;
}

/** DATABASE_URL is the owner; DATABASE_APP_URL the runtime role, else DATABASE_URL with ubos_app + APP_DB_PASSWORD. */
export function configuredDatabaseUrls(config: Config): DatabaseUrls | null {
  if (!config.DATABASE_URL) return null;
  return {
    ownerUrl: config.DATABASE_URL,
    appUrl: config.DATABASE_APP_URL ?? withCredentials(config.DATABASE_URL, APP_ROLE, config.APP_DB_PASSWORD),
  };
}

/** A URL safe to log: the password replaced. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
