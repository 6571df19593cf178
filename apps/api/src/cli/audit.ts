import { parseArgs } from 'node:util';
import { ConfigError, createDatabase, loadConfig } from '@ubos/platform';
import { verifyTimelineChain } from '@ubos/timeline';
import { runtimeUrl, tenantOption } from './events.ts';

/** `pnpm ubos audit:*`: the timeline's tamper evidence (docs/ARCHITECTURE.md §7). */
export const auditUsage = `  audit:verify --tenant <uuid>  walk the tenant's timeline hash chain from its first entry; print the
                               chain head (ship it off-host) or the first broken link; exit 1 if broken
`;

async function verify(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { tenant: { type: 'string' } }, strict: true });
  const tenantId = tenantOption(values.tenant);
  if (!tenantId) throw new ConfigError(['--tenant (missing): the uuid of the tenant whose timeline to verify']);
  const db = createDatabase({ connectionString: await runtimeUrl(loadConfig()), max: 1, applicationName: 'ubos-cli' });
  try {
    const report = await verifyTimelineChain(db, tenantId);
    const unchained = report.unchained > 0 ? `; ${report.unchained} earlier entr${report.unchained === 1 ? 'y' : 'ies'} recorded before the chain began` : '';
    if (!report.intact) {
      process.stderr.write(
        `Timeline of tenant ${tenantId} is BROKEN at entry ${report.brokenAt}: ${report.problem}. ${report.entries} entries before it are intact${unchained}.\n`,
      );
      return 1;
    }
    process.stdout.write(`Timeline of tenant ${tenantId} is intact: ${report.entries} entries linked${unchained}.\n`);
    process.stdout.write(`head ${report.headSeq} ${report.headHash ?? '(none yet)'}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

/** Runs an `audit:*` command; returns null when `command` is not one. */
export async function auditCommand(command: string, args: readonly string[]): Promise<number | null> {
  return command === 'audit:verify' ? verify(args) : null;
}
