import { useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { trpc } from '../../trpc.ts';
import { Button, Card, EmptyState, QueryState } from '../../ui/index.ts';
import { Composer } from './Composer.tsx';
import { ThreadList } from './ThreadList.tsx';

/** The client profile's Emails tab: every thread on this client, whoever's mailbox it came from. */
export function ClientEmailsTab({ clientId }: { clientId: string }) {
  const canRead = useCan('communications.read');
  const canSend = useCan('communications.mailbox.use');
  const [composing, setComposing] = useState(false);
  const threads = trpc.communications.threads.list.useQuery({ clientId, filter: 'all', limit: 50 }, { enabled: canRead });
  if (!canRead) return <EmptyState title="Email is not available to your role" />;
  return (
    <Card
      title="Emails"
      actions={
        canSend ? (
          <Button size="sm" variant="primary" onClick={() => setComposing(true)}>
            New email
          </Button>
        ) : null
      }
    >
      <QueryState
        query={threads}
        isEmpty={(d) => d.items.length === 0}
        empty={
          <EmptyState title="No email with this client yet" description="Mail to or from the client's contacts appears here, and threads linked by hand." />
        }
      >
        {(d) => <ThreadList threads={d.items} hrefFor={(id) => `/inbox/${id}`} />}
      </QueryState>
      {composing ? <Composer open onClose={() => setComposing(false)} clientId={clientId} /> : null}
    </Card>
  );
}
