// A sync worker in its own process, so a test can SIGKILL it mid-sync (at any point, inside a
// transaction or not) and prove that what committed is consistent. Run by imap-sync.test.ts:
//   node sync-worker.ts <appUrl> <tenantId> <accountId> <chunkSize>
// Prints "chunk <n>" after every committed chunk and "done" at the end.
import { createDatabase } from '@ubos/platform';
import { syncAccount } from '../src/service-sync.ts';
import { emailServices, silent } from './email-services.ts';

const [appUrl, tenantId, accountId, chunkSize] = process.argv.slice(2) as [string, string, string, string];
const db = createDatabase({ connectionString: appUrl, max: 2, applicationName: 'ubos-test-sync-worker' });
const { services, close } = await emailServices(db);
let chunks = 0;
await syncAccount(
  { db, log: silent, services, chunkSize: Number(chunkSize), onChunk: () => void process.stdout.write(`chunk ${++chunks}\n`) },
  tenantId,
  accountId,
);
process.stdout.write('done\n');
await close();
await db.close();
