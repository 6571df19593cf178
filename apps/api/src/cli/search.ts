import { parseArgs } from 'node:util';
import { ConfigError, createDatabase, loadConfig, uuidv7 } from '@ubos/platform';
import { runRebuild } from '@ubos/search';
import { runtimeUrl, tenantOption } from './events.ts';

/** `pnpm ubos search:*`: operate the search index of one tenant. */
export const searchUsage = `  search:rebuild --tenant <uuid> [--chunk <n>]
                               rebuild the tenant's search documents from its retained outbox, here and
                               now, chunk by chunk (each chunk its own transaction), printing progress;
                               joins the tenant's queued or running rebuild if there is one
`;

async function rebuild(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { tenant: { type: 'string' }, chunk: { type: 'string' } }, strict: true });
  const tenantId = tenantOption(values.tenant);
  if (!tenantId) throw new ConfigError(['--tenant (missing): the uuid of the tenant whose index to rebuild']);
  const chunkSize = values.chunk === undefined ? undefined : Number(values.chunk);
  if (chunkSize !== undefined && (!Number.isInteger(chunkSize) || chunkSize < 1)) throw new ConfigError(['--chunk (invalid): expected a positive integer']);
  const db = createDatabase({ connectionString: await runtimeUrl(loadConfig()), max: 1, applicationName: 'ubos-cli' });
  try {
    const result = await runRebuild(db, {
      tenantId,
      correlationId: `cli:search:rebuild:${uuidv7()}`,
      ...(chunkSize ? { chunkSize } : {}),
      onProgress: (state) => {
        const percent = state.eventsTotal > 0 ? Math.floor((state.eventsDone / state.eventsTotal) * 100) : state.status === 'completed' ? 100 : 0;
        process.stdout.write(`${state.status.padEnd(9)} ${state.eventsDone}/${state.eventsTotal} events (${percent}%)\n`);
      },
    });
    const { rebuild: done } = result;
    if (done.status !== 'completed') {
      process.stderr.write(`Search rebuild ${done.id} ${done.status}${done.error ? `: ${done.error}` : ''}\n`);
      return 1;
    }
    process.stdout.write(
      `Rebuilt the search index of tenant ${tenantId}: ${done.eventsDone} event(s) replayed, ${done.documents ?? 0} document(s) (rebuild ${done.id}${result.started ? '' : ', joined'}).\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

/** Runs a `search:*` command; returns null when `command` is not one. */
export async function searchCommand(command: string, args: readonly string[]): Promise<number | null> {
  switch (command) {
    case 'search:rebuild':
      return rebuild(args);
    default:
      return null;
  }
}
