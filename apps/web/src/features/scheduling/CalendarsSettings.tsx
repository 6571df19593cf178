import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useCan } from '../../app/session.tsx';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, EmptyState, Field, FormError, Input, QueryState, useToast } from '../../ui/index.ts';

/**
 * Settings → Calendars: use the calendar of a Google or Microsoft account connected in Settings →
 * Integrations, or connect a CalDAV account; choose the primary calendar appointments are written to.
 */
export function CalendarsSettings() {
  const toast = useToast();
  const utils = trpc.useUtils();
  const calendars = trpc.scheduling.calendars.list.useQuery();
  const [form, setForm] = useState({ serverUrl: '', username: '', password: '' });
  const connect = trpc.scheduling.calendars.connect.useMutation({
    onSuccess: (list) => {
      toast(`Connected ${list.length === 1 ? '1 calendar' : `${list.length} calendars`}`);
      setForm({ serverUrl: '', username: '', password: '' });
      void utils.scheduling.calendars.list.invalidate();
    },
  });
  const primary = trpc.scheduling.calendars.setPrimary.useMutation({
    onSuccess: () => void utils.scheduling.calendars.list.invalidate(),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    connect.mutate({ provider: 'caldav', ...form });
  };
  const canIntegrations = useCan('platform.integrations.manage');
  const googleAccounts = trpc.platform.integrations.connections.list.useQuery({ provider: 'google' }, { enabled: canIntegrations, retry: false });
  const microsoftAccounts = trpc.platform.integrations.connections.list.useQuery({ provider: 'microsoft' }, { enabled: canIntegrations, retry: false });
  const accounts = [
    ...(googleAccounts.data?.items ?? []).map((account) => ({ ...account, provider: 'google' as const, name: 'Google' })),
    ...(microsoftAccounts.data?.items ?? []).map((account) => ({ ...account, provider: 'microsoft' as const, name: 'Microsoft' })),
  ];
  const addAccount = trpc.scheduling.calendars.connect.useMutation({
    onSuccess: (_list, input) => {
      toast(input.provider === 'microsoft' ? 'Outlook calendar added' : 'Google calendar added');
      void utils.scheduling.calendars.list.invalidate();
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  return (
    <div className="flex flex-col gap-5">
      <Card title="Connected calendars">
        <QueryState query={calendars}>
          {(items) =>
            items.length === 0 ? (
              <EmptyState title="No calendar connected" description="Connect one so its events block your booking times and your appointments show up in it." />
            ) : (
              <ul className="divide-y divide-slate-100">
                {items.map((c) => (
                  <li key={c.id} className="flex flex-wrap items-center gap-3 px-4 py-3 text-sm">
                    <div className="min-w-0 flex-1">
                      <p className="font-medium text-slate-900">
                        {c.displayName} {c.isPrimary ? <Badge tone="indigo">primary</Badge> : null}
                      </p>
                      <p className="text-xs text-slate-500">
                        {c.lastError
                          ? `Last sync failed: ${c.lastError}`
                          : c.lastSyncedAt
                            ? `Synced ${formatDateTime(c.lastSyncedAt)}`
                            : 'Not synced yet (within a minute)'}
                      </p>
                    </div>
                    {c.isPrimary ? null : (
                      <Button size="sm" loading={primary.isPending} onClick={() => primary.mutate({ id: c.id })}>
                        Make primary
                      </Button>
                    )}
                  </li>
                ))}
              </ul>
            )
          }
        </QueryState>
      </Card>
      {canIntegrations ? (
        <Card title="Google and Microsoft accounts">
          {accounts.length === 0 ? (
            <p className="p-4 text-sm text-slate-500">Connect a Google or Microsoft 365 account in Settings → Integrations, then use its calendar here.</p>
          ) : (
            <ul className="divide-y divide-slate-100">
              {accounts.map((account) => (
                <li key={account.id} className="flex items-center gap-3 px-4 py-3 text-sm">
                  <span className="flex-1 text-slate-900">
                    {account.accountLabel} <span className="text-xs text-slate-500">({account.name})</span>
                  </span>
                  <Button
                    size="sm"
                    loading={
                      addAccount.isPending &&
                      addAccount.variables !== undefined &&
                      'connectionId' in addAccount.variables &&
                      addAccount.variables.connectionId === account.id
                    }
                    aria-label={`Use the calendar of ${account.accountLabel} (${account.name})`}
                    onClick={() => addAccount.mutate({ provider: account.provider, connectionId: account.id, calendarId: 'primary' })}
                  >
                    Use its calendar
                  </Button>
                </li>
              ))}
            </ul>
          )}
        </Card>
      ) : null}
      <Card title="Connect a CalDAV calendar">
        <form className="grid gap-3 p-4 sm:grid-cols-3" onSubmit={submit}>
          <Field label="Server address" name="serverUrl" error={connect.error} className="sm:col-span-3">
            <Input
              value={form.serverUrl}
              onChange={(e) => setForm({ ...form, serverUrl: e.target.value })}
              placeholder="https://calendar.example.com/dav/"
              className="w-full"
            />
          </Field>
          <Field label="User name" name="username" error={connect.error}>
            <Input value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} autoComplete="username" className="w-full" />
          </Field>
          <Field label="Password or app password" name="password" error={connect.error}>
            <Input
              type="password"
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
              autoComplete="current-password"
              className="w-full"
            />
          </Field>
          <div className="flex items-end">
            <Button type="submit" variant="primary" loading={connect.isPending}>
              Connect
            </Button>
          </div>
          <div className="sm:col-span-3">
            <FormError error={connect.error} fields={['serverUrl', 'username', 'password']} />
          </div>
        </form>
      </Card>
    </div>
  );
}
