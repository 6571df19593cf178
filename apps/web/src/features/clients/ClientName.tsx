import { Link } from 'react-router';
import { trpc } from '../../trpc.ts';
import { Skeleton } from '../../ui/index.ts';

/** A linked client name from an id (batched + cached by the query client). */
export function ClientName({ id, link = true }: { id: string; link?: boolean }) {
  const client = trpc.crm.clients.get.useQuery({ id }, { staleTime: 60_000 });
  if (client.isPending) return <Skeleton className="inline-block h-3 w-24" />;
  if (client.error) return <span className="text-slate-400">Unknown client</span>;
  if (!link) return <>{client.data.name}</>;
  return (
    <Link to={`/clients/${id}`} onClick={(e) => e.stopPropagation()} className="text-slate-700 hover:text-indigo-600">
      {client.data.name}
    </Link>
  );
}
