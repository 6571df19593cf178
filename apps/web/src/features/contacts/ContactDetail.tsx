import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Avatar, Badge, Button, Card, EmptyState, ErrorState, Field, Input, PageHeader, PageSpinner, useToast } from '../../ui/index.ts';
import { ClientName } from '../clients/ClientName.tsx';
import { ClientPicker } from '../clients/ClientPicker.tsx';
import { formatCustomValue } from '../clients/CustomFieldInputs.tsx';
import { ContactFormDialog } from './ContactForm.tsx';

export default function ContactDetailPage() {
  const { id = '' } = useParams();
  const canWrite = useCan('crm.contact.write');
  const toast = useToast();
  const utils = trpc.useUtils();
  const [editing, setEditing] = useState(false);
  const [linkClient, setLinkClient] = useState<string | null>(null);
  const [role, setRole] = useState('');
  const contact = trpc.crm.contacts.get.useQuery({ id });
  const fields = trpc.crm.customFields.list.useQuery({ entity: 'contact' });
  const onSuccess = (c: NonNullable<typeof contact.data>) => {
    utils.crm.contacts.get.setData({ id }, c);
    void utils.crm.contacts.list.invalidate();
  };
  const onError = (e: unknown) => toast(errorMessage(e), 'error');
  const archive = trpc.crm.contacts.archive.useMutation({ onSuccess, onError });
  const restore = trpc.crm.contacts.restore.useMutation({ onSuccess, onError });
  const link = trpc.crm.contacts.linkClient.useMutation({ onSuccess: (c) => (onSuccess(c), setLinkClient(null), setRole('')), onError });
  const unlink = trpc.crm.contacts.unlinkClient.useMutation({ onSuccess, onError });
  if (contact.isPending) return <PageSpinner />;
  if (contact.error) return <ErrorState error={contact.error} onRetry={() => void contact.refetch()} title="Could not load this contact" />;
  const c = contact.data;
  return (
    <>
      <PageHeader
        breadcrumb={
          <Link to="/contacts" className="hover:text-slate-700">
            Contacts
          </Link>
        }
        title={
          <span className="flex items-center gap-3">
            <Avatar name={c.name} />
            {c.name}
            {c.archivedAt ? <Badge tone="amber">archived</Badge> : null}
          </span>
        }
        subtitle={c.title ?? undefined}
        actions={
          canWrite ? (
            <>
              {c.archivedAt ? (
                <Button loading={restore.isPending} onClick={() => restore.mutate({ id })}>
                  Restore
                </Button>
              ) : (
                <Button variant="ghost" loading={archive.isPending} onClick={() => archive.mutate({ id })}>
                  Archive
                </Button>
              )}
              <Button variant="primary" onClick={() => setEditing(true)}>
                Edit
              </Button>
            </>
          ) : null
        }
      />
      <div className="grid gap-5 lg:grid-cols-3">
        <Card title="Details" className="lg:col-span-2">
          <dl className="grid grid-cols-2 gap-x-6 gap-y-3 px-4 py-4 text-sm">
            <div>
              <dt className="text-xs text-slate-500">Email</dt>
              <dd className="mt-0.5">
                {c.email ? (
                  <a className="text-indigo-600 hover:underline" href={`mailto:${c.email}`}>
                    {c.email}
                  </a>
                ) : (
                  '—'
                )}
              </dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Phone</dt>
              <dd className="mt-0.5">{c.phone ?? '—'}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Tags</dt>
              <dd className="mt-0.5 flex flex-wrap gap-1">{c.tags.length ? c.tags.map((t) => <Badge key={t}>{t}</Badge>) : '—'}</dd>
            </div>
            {(fields.data ?? []).map((f) => (
              <div key={f.id}>
                <dt className="text-xs text-slate-500">{f.label}</dt>
                <dd className="mt-0.5">{formatCustomValue(f, c.customFields[f.key])}</dd>
              </div>
            ))}
            <div>
              <dt className="text-xs text-slate-500">Created</dt>
              <dd className="mt-0.5">{formatDateTime(c.createdAt)}</dd>
            </div>
          </dl>
        </Card>
        <Card title="Clients">
          {c.relationships.length === 0 ? (
            <EmptyState title="Not linked to a client" />
          ) : (
            <ul className="divide-y divide-slate-100">
              {c.relationships.map((r) => (
                <li key={r.clientId} className="flex items-center gap-2 px-4 py-2.5 text-sm">
                  <span className="min-w-0 flex-1">
                    <ClientName id={r.clientId} />
                    {r.role ? <span className="block text-xs text-slate-500">{r.role}</span> : null}
                  </span>
                  {canWrite ? (
                    <Button size="sm" variant="ghost" onClick={() => unlink.mutate({ contactId: id, clientId: r.clientId })}>
                      Unlink
                    </Button>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          {canWrite ? (
            <form
              className="space-y-2 border-t border-slate-100 p-3"
              onSubmit={(e) => {
                e.preventDefault();
                if (linkClient) link.mutate({ contactId: id, clientId: linkClient, role: role || null });
              }}
            >
              <Field label="Link to client">
                <ClientPicker value={linkClient} onChange={setLinkClient} />
              </Field>
              <div className="flex gap-2">
                <Input placeholder="Role (optional)" value={role} onChange={(e) => setRole(e.target.value)} aria-label="Role" />
                <Button type="submit" disabled={!linkClient} loading={link.isPending}>
                  Link
                </Button>
              </div>
            </form>
          ) : null}
        </Card>
      </div>
      {editing ? <ContactFormDialog contact={c} onClose={() => setEditing(false)} /> : null}
    </>
  );
}
