/**
 * A runnable example of @ubos/client: list every client (page by page), create a project with a
 * task, and read a refused call's typed error.
 *
 *   UBOS_URL=http://localhost:3000 UBOS_API_KEY=ubos_… node packages/client/examples/clients-and-task.ts
 *
 * (Node 24 runs TypeScript directly.) The package's test runs `example()` against a real host.
 */
import { createUbosClient, ubosErrorOf, type UbosClient } from '@ubos/client';

export async function example(ubos: UbosClient, log: (line: string) => void = console.log) {
  // 1. Every client, 50 at a time: a list answers { items, nextCursor }; pass nextCursor back until it is null.
  const clients: { id: string; name: string }[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: { id: string; name: string }[]; nextCursor: string | null } = await ubos.crm.clients.list.query({
      limit: 50,
      ...(cursor ? { cursor } : {}),
    });
    clients.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  log(`${clients.length} clients: ${clients.map((client) => client.name).join(', ')}`);

  // 2. A project for the first client, and a task on it.
  const project = await ubos.projects.projects.create.mutate({ name: 'Onboarding', clientId: clients[0]?.id ?? null });
  const task = await ubos.projects.tasks.create.mutate({ projectId: project.id, title: 'Kick-off call', dueDate: '2030-01-15' });
  log(`Task "${task.title}" created in project "${project.name}"`);

  // 3. A refused call: bad input is BAD_REQUEST with a sentence and the list of field issues.
  let refused = null;
  try {
    await ubos.crm.clients.create.mutate({ name: '' });
  } catch (error) {
    refused = ubosErrorOf(error);
    if (!refused) throw error; // not a UBOS answer (the network, say)
    log(`${refused.code} (${refused.httpStatus}): ${refused.message}`);
    for (const issue of refused.issues) log(`  ${issue.path.join('.')}: ${issue.message}`);
  }
  return { clients, project, task, refused };
}

if (import.meta.main) {
  const baseUrl = process.env.UBOS_URL ?? 'http://localhost:3000';
  const apiKey = process.env.UBOS_API_KEY;
  if (!apiKey) {
    console.error('Set UBOS_API_KEY to a key from Settings → API keys');
    process.exit(1);
  }
  await example(createUbosClient({ baseUrl, apiKey }));
}
