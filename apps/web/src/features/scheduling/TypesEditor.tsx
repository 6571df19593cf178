import { useEffect, useState, type FormEvent } from 'react';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Badge, Button, Card, Checkbox, Dialog, EmptyState, Field, FormError, Input, QueryState, Select, Textarea, useToast } from '../../ui/index.ts';

type TypeRow = RouterOutputs['scheduling']['types']['list'][number];

const locationWords = { in_person: 'In person', phone: 'Phone call', video: 'Video call' } as const;
const assignmentWords = { single: 'One host', round_robin: 'Round robin', collective: 'Collective (all hosts)' } as const;

/** The organization's booking address, and its appointment types with a live preview link each. */
export function TypesEditor() {
  const canManage = useCan('scheduling.manage');
  const site = trpc.scheduling.site.get.useQuery();
  const types = trpc.scheduling.types.list.useQuery({ includeArchived: false });
  const [editing, setEditing] = useState<TypeRow | 'new' | null>(null);
  return (
    <div className="flex flex-col gap-5">
      <SiteCard site={site.data ?? null} canManage={canManage} />
      <Card
        title="Appointment types"
        actions={
          canManage ? (
            <Button variant="primary" size="sm" onClick={() => setEditing('new')} disabled={!site.data}>
              New type
            </Button>
          ) : null
        }
      >
        <QueryState query={types}>
          {(items) =>
            items.length === 0 ? (
              <EmptyState
                title="No appointment types yet"
                description={site.data ? 'Create one to open a booking page.' : 'Set the booking address first, then create a type.'}
              />
            ) : (
              <ul className="divide-y divide-slate-100">
                {items.map((t) => {
                  const path = site.data ? `/book/${site.data.slug}/${t.pageSlug}?type=${t.slug}` : null;
                  return (
                    <li key={t.id} className="flex flex-wrap items-center gap-3 px-4 py-3">
                      <div className="min-w-0 flex-1">
                        <p className="font-medium text-slate-900">
                          {t.name} {t.active ? null : <Badge tone="amber">off</Badge>}
                        </p>
                        <p className="text-xs text-slate-500">
                          {t.durationMinutes} min · {locationWords[t.locationKind]} · {assignmentWords[t.assignment]}
                          {t.bufferBeforeMinutes || t.bufferAfterMinutes ? ` · buffers ${t.bufferBeforeMinutes}/${t.bufferAfterMinutes} min` : ''}
                        </p>
                      </div>
                      {path ? (
                        <a href={path} target="_blank" rel="noreferrer" className="text-sm font-medium text-indigo-700" data-testid="preview-link">
                          Preview booking page
                        </a>
                      ) : null}
                      {canManage ? (
                        <Button size="sm" onClick={() => setEditing(t)}>
                          Edit
                        </Button>
                      ) : null}
                    </li>
                  );
                })}
              </ul>
            )
          }
        </QueryState>
      </Card>
      {editing ? <TypeDialog type={editing === 'new' ? null : editing} onClose={() => setEditing(null)} /> : null}
    </div>
  );
}

function SiteCard({ site, canManage }: { site: { slug: string; name: string } | null; canManage: boolean }) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const [slug, setSlug] = useState(site?.slug ?? '');
  const [name, setName] = useState(site?.name ?? '');
  useEffect(() => {
    setSlug(site?.slug ?? '');
    setName(site?.name ?? '');
  }, [site]);
  const save = trpc.scheduling.site.set.useMutation({
    onSuccess: () => {
      toast('Booking address saved');
      void utils.scheduling.site.get.invalidate();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ slug, name });
  };
  return (
    <Card title="Booking address">
      <form className="flex flex-wrap items-end gap-3 p-4" onSubmit={submit}>
        <Field label="Address" name="slug" error={save.error} hint={`${window.location.origin}/book/${slug || 'your-name'}/…`}>
          <Input value={slug} onChange={(e) => setSlug(e.target.value)} disabled={!canManage} placeholder="acme" />
        </Field>
        <Field label="Name shown to visitors" name="name" error={save.error}>
          <Input value={name} onChange={(e) => setName(e.target.value)} disabled={!canManage} placeholder="Acme Studio" />
        </Field>
        {canManage ? (
          <Button type="submit" loading={save.isPending}>
            Save address
          </Button>
        ) : null}
        <FormError error={save.error} fields={['slug', 'name']} />
      </form>
    </Card>
  );
}

function TypeDialog({ type, onClose }: { type: TypeRow | null; onClose: () => void }) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const members = trpc.identity.members.list.useQuery(undefined, { retry: false });
  const [form, setForm] = useState({
    name: type?.name ?? '',
    pageSlug: type?.pageSlug ?? 'team',
    slug: type?.slug ?? '',
    description: type?.description ?? '',
    durationMinutes: type?.durationMinutes ?? 30,
    locationKind: type?.locationKind ?? ('video' as TypeRow['locationKind']),
    locationDetail: type?.locationDetail ?? '',
    bufferBeforeMinutes: type?.bufferBeforeMinutes ?? 0,
    bufferAfterMinutes: type?.bufferAfterMinutes ?? 0,
    minimumNoticeMinutes: type?.minimumNoticeMinutes ?? 120,
    bookingWindowDays: type?.bookingWindowDays ?? 60,
    maxPerDay: type?.maxPerDay ?? null,
    assignment: type?.assignment ?? ('single' as TypeRow['assignment']),
    hostIds: type?.hostIds ?? ([] as string[]),
    reminders: (type?.reminderMinutes ?? [1440, 60]).join(', '),
    active: type?.active ?? true,
  });
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) => setForm({ ...form, [key]: value });
  const after = (message: string) => () => {
    toast(message);
    void utils.scheduling.types.list.invalidate();
    onClose();
  };
  const create = trpc.scheduling.types.create.useMutation({ onSuccess: after('Appointment type created') });
  const update = trpc.scheduling.types.update.useMutation({ onSuccess: after('Appointment type saved') });
  const archive = trpc.scheduling.types.archive.useMutation({ onSuccess: after('Appointment type archived'), onError: (e) => toast(errorMessage(e), 'error') });
  const error = create.error ?? update.error;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const reminderMinutes = form.reminders
      .split(',')
      .map((part) => Number(part.trim()))
      .filter((n) => Number.isFinite(n) && n > 0);
    const { reminders: _reminders, ...rest } = form;
    const input = { ...rest, reminderMinutes };
    if (type) update.mutate({ id: type.id, ...input });
    else create.mutate(input);
  };
  const number = (key: 'durationMinutes' | 'bufferBeforeMinutes' | 'bufferAfterMinutes' | 'minimumNoticeMinutes' | 'bookingWindowDays') => (
    <Input type="number" min={0} value={form[key]} onChange={(e) => set(key, Number(e.target.value))} className="w-full" />
  );
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title={type ? `Edit ${type.name}` : 'New appointment type'}
      size="lg"
      footer={
        <div className="flex w-full justify-between gap-2">
          {type ? (
            <Button variant="ghost" loading={archive.isPending} onClick={() => archive.mutate({ id: type.id })}>
              Archive
            </Button>
          ) : (
            <span />
          )}
          <div className="flex gap-2">
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="primary" type="submit" form="type-form" loading={create.isPending || update.isPending}>
              Save
            </Button>
          </div>
        </div>
      }
    >
      <form id="type-form" onSubmit={submit} className="grid gap-3 sm:grid-cols-2">
        <Field label="Name" name="name" error={error} required className="sm:col-span-2">
          <Input value={form.name} onChange={(e) => set('name', e.target.value)} className="w-full" />
        </Field>
        <Field label="Page" name="pageSlug" error={error} hint="Types on the same page are offered together">
          <Input value={form.pageSlug} onChange={(e) => set('pageSlug', e.target.value)} className="w-full" />
        </Field>
        <Field label="Address on the page" name="slug" error={error}>
          <Input value={form.slug} onChange={(e) => set('slug', e.target.value)} placeholder="intro-call" className="w-full" />
        </Field>
        <Field label="Description" name="description" error={error} className="sm:col-span-2">
          <Textarea value={form.description} onChange={(e) => set('description', e.target.value)} rows={2} className="w-full" />
        </Field>
        <Field label="Duration (minutes)" name="durationMinutes" error={error}>
          {number('durationMinutes')}
        </Field>
        <Field label="Location" name="locationKind" error={error}>
          <Select value={form.locationKind} onChange={(e) => set('locationKind', e.target.value as TypeRow['locationKind'])} className="w-full">
            <option value="video">Video call</option>
            <option value="phone">Phone call</option>
            <option value="in_person">In person</option>
          </Select>
        </Field>
        <Field label="Location details" name="locationDetail" error={error} className="sm:col-span-2">
          <Input value={form.locationDetail} onChange={(e) => set('locationDetail', e.target.value)} placeholder="Meeting link or address" className="w-full" />
        </Field>
        <Field label="Buffer before (minutes)" name="bufferBeforeMinutes" error={error}>
          {number('bufferBeforeMinutes')}
        </Field>
        <Field label="Buffer after (minutes)" name="bufferAfterMinutes" error={error}>
          {number('bufferAfterMinutes')}
        </Field>
        <Field label="Minimum notice (minutes)" name="minimumNoticeMinutes" error={error}>
          {number('minimumNoticeMinutes')}
        </Field>
        <Field label="Bookable up to (days ahead)" name="bookingWindowDays" error={error}>
          {number('bookingWindowDays')}
        </Field>
        <Field label="At most per day" name="maxPerDay" error={error} hint="Empty: no limit">
          <Input
            type="number"
            min={1}
            value={form.maxPerDay ?? ''}
            onChange={(e) => set('maxPerDay', e.target.value ? Number(e.target.value) : null)}
            className="w-full"
          />
        </Field>
        <Field label="Reminders (minutes before)" name="reminderMinutes" error={error} hint="e.g. 1440, 60">
          <Input value={form.reminders} onChange={(e) => set('reminders', e.target.value)} className="w-full" />
        </Field>
        <Field label="Hosts" name="assignment" error={error}>
          <Select value={form.assignment} onChange={(e) => set('assignment', e.target.value as TypeRow['assignment'])} className="w-full">
            <option value="single">One host</option>
            <option value="round_robin">Round robin</option>
            <option value="collective">Collective (all hosts)</option>
          </Select>
        </Field>
        <fieldset className="flex flex-col gap-1 sm:col-span-2" aria-label="Who hosts">
          {(members.data ?? []).map((m) => (
            <Checkbox
              key={m.userId}
              label={`${m.name} (${m.email})`}
              checked={form.hostIds.includes(m.userId)}
              onChange={(e) => set('hostIds', e.target.checked ? [...form.hostIds, m.userId] : form.hostIds.filter((id) => id !== m.userId))}
            />
          ))}
        </fieldset>
        <div className="sm:col-span-2">
          <Checkbox label="Offered on the booking page" checked={form.active} onChange={(e) => set('active', e.target.checked)} />
        </div>
        <div className="sm:col-span-2">
          <FormError error={error} fields={['name', 'pageSlug', 'slug', 'description', 'durationMinutes', 'locationKind', 'locationDetail', 'hostIds']} />
        </div>
      </form>
    </Dialog>
  );
}
