import { trpc } from '../../trpc.ts';
import { Badge, EmptyState, QueryState, Table, Td, Th, Tr } from '../../ui/index.ts';
import { statusTone, statusWords } from './status.ts';
import { formatWhen } from './time.ts';

/** The client profile's Appointments tab: newest first, in the viewer's own time zone. */
export function ClientAppointments({ clientId }: { clientId: string }) {
  const list = trpc.scheduling.appointments.forClient.useQuery({ clientId, limit: 50 });
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <QueryState query={list}>
      {(items) =>
        items.length === 0 ? (
          <EmptyState title="No appointments yet" description="Meetings this client books, or that you book for them, show up here." />
        ) : (
          <Table>
            <thead>
              <tr>
                <Th>When</Th>
                <Th>Type</Th>
                <Th>With</Th>
                <Th>Status</Th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <Tr key={a.id}>
                  <Td>{formatWhen(a.start, zone)}</Td>
                  <Td>{a.typeName}</Td>
                  <Td>{a.attendeeName}</Td>
                  <Td>
                    <Badge tone={statusTone[a.status]}>{statusWords[a.status]}</Badge>
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )
      }
    </QueryState>
  );
}
