import { useState, type FormEvent } from 'react';
import { useCan } from '../../app/session.tsx';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, EmptyState, Field, FormError, Input, QueryState, useToast } from '../../ui/index.ts';

/** The organization's vendors: add one, archive or restore one. */
export function VendorsList() {
  const toast = useToast();
  const utils = trpc.useUtils();
  const canWrite = useCan('revenue.vendor.write');
  const [showArchived, setShowArchived] = useState(false);
  const vendors = trpc.revenue.vendors.list.useQuery({ includeArchived: showArchived });
  const create = trpc.revenue.vendors.create.useMutation({
    onSuccess: async (vendor) => {
      toast(`Vendor ${vendor.name} added`);
      setName('');
      await utils.revenue.vendors.list.invalidate();
    },
  });
  const update = trpc.revenue.vendors.update.useMutation({ onSuccess: () => utils.revenue.vendors.list.invalidate() });
  const [name, setName] = useState('');
  function add(event: FormEvent) {
    event.preventDefault();
    create.mutate({ name });
  }
  return (
    <Card
      title="Vendors"
      actions={
        <Button size="sm" variant="ghost" onClick={() => setShowArchived(!showArchived)}>
          {showArchived ? 'Hide archived' : 'Show archived'}
        </Button>
      }
    >
      {canWrite ? (
        <form className="flex items-end gap-2 border-b border-slate-100 px-4 py-3" onSubmit={add}>
          <Field label="New vendor" name="name" error={create.error} className="flex-1">
            <Input value={name} onChange={(event) => setName(event.target.value)} placeholder="Vendor name" required />
          </Field>
          <Button type="submit" variant="primary" size="sm" loading={create.isPending}>
            Add vendor
          </Button>
        </form>
      ) : null}
      <FormError error={update.error} />
      <QueryState
        query={vendors}
        isEmpty={(rows) => rows.length === 0}
        empty={<EmptyState title="No vendors yet" description="Add the companies that send you bills." />}
      >
        {(rows) => (
          <ul className="divide-y divide-slate-100" aria-label="Vendors">
            {rows.map((vendor) => (
              <li key={vendor.id} className="flex items-center justify-between gap-3 px-4 py-2.5">
                <div>
                  <span className="font-medium text-slate-900">{vendor.name}</span>
                  {vendor.defaultCategory ? <span className="ml-2 text-xs text-slate-500">{vendor.defaultCategory}</span> : null}
                  {vendor.archived ? (
                    <span className="ml-2">
                      <Badge>Archived</Badge>
                    </span>
                  ) : null}
                </div>
                {canWrite ? (
                  <Button size="sm" variant="ghost" onClick={() => update.mutate({ id: vendor.id, archived: !vendor.archived })}>
                    {vendor.archived ? 'Restore' : 'Archive'}
                  </Button>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
