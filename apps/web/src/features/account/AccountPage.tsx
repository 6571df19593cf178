import { useState } from 'react';
import { useMe } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, Field, FormError, Input, PageHeader, QueryState, SkeletonRows, useToast } from '../../ui/index.ts';
import { NotificationPreferencesTab } from '../communications/NotificationPreferences.tsx';

/** My account (user menu → My account): who I am, my password, where I am signed in, how I am notified. */
export default function AccountPage() {
  const me = useMe();
  return (
    <>
      <PageHeader title="My account" subtitle="Your own sign-in, sessions and notifications, in every organization you belong to." />
      <div className="grid max-w-5xl gap-5 lg:grid-cols-2">
        <Card title="You">
          <dl className="space-y-3 px-4 py-4 text-sm">
            <div>
              <dt className="text-xs text-slate-500">Name</dt>
              <dd className="mt-0.5 text-slate-800" data-testid="account-name">
                {me.user.name}
              </dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Email</dt>
              <dd className="mt-0.5 text-slate-800" data-testid="account-email">
                {me.user.email}
              </dd>
            </div>
            {me.activeOrganization ? (
              <div>
                <dt className="text-xs text-slate-500">Role in {me.activeOrganization.name}</dt>
                <dd className="mt-0.5 text-slate-800">{me.role}</dd>
              </div>
            ) : null}
          </dl>
        </Card>
        <ChangePassword />
        <div className="lg:col-span-2">
          <Sessions />
        </div>
        <div className="lg:col-span-2">
          <h2 className="mb-2 text-sm font-semibold text-slate-900">Notifications</h2>
          <NotificationPreferencesTab />
        </div>
      </div>
    </>
  );
}

function ChangePassword() {
  const toast = useToast();
  const utils = trpc.useUtils();
  const [form, setForm] = useState({ currentPassword: '', newPassword: '', confirm: '' });
  const [mismatch, setMismatch] = useState(false);
  const change = trpc.identity.auth.changePassword.useMutation({
    onSuccess: () => {
      setForm({ currentPassword: '', newPassword: '', confirm: '' });
      toast('Password changed; your other sessions were signed out');
      void utils.identity.account.sessions.invalidate();
    },
  });
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm((f) => ({ ...f, [key]: e.target.value }));
  return (
    <Card title="Change password">
      <form
        className="space-y-3 px-4 py-4"
        noValidate
        aria-label="Change password"
        onSubmit={(e) => {
          e.preventDefault();
          if (form.newPassword !== form.confirm) {
            setMismatch(true);
            return;
          }
          setMismatch(false);
          change.mutate({ currentPassword: form.currentPassword, newPassword: form.newPassword });
        }}
      >
        <FormError error={change.error} fields={['currentPassword', 'newPassword']} />
        <Field label="Current password" name="currentPassword" error={change.error}>
          <Input type="password" autoComplete="current-password" value={form.currentPassword} onChange={set('currentPassword')} />
        </Field>
        <Field label="New password" name="newPassword" error={change.error}>
          <Input type="password" autoComplete="new-password" value={form.newPassword} onChange={set('newPassword')} />
        </Field>
        <Field label="Repeat the new password" error={mismatch ? 'The two new passwords are not the same' : undefined}>
          <Input type="password" autoComplete="new-password" value={form.confirm} onChange={set('confirm')} />
        </Field>
        <p className="text-xs text-slate-500">Changing it signs you out everywhere else; this browser stays signed in.</p>
        <Button type="submit" variant="primary" loading={change.isPending} disabled={!form.currentPassword || !form.newPassword}>
          Change password
        </Button>
      </form>
    </Card>
  );
}

function Sessions() {
  const toast = useToast();
  const utils = trpc.useUtils();
  const sessions = trpc.identity.account.sessions.useQuery();
  const done = (what: string) => (result: { ended: number }) => {
    toast(result.ended === 0 ? 'No other session was signed in' : what);
    void utils.identity.account.sessions.invalidate();
  };
  const onError = (e: unknown) => toast(errorMessage(e), 'error');
  const endOne = trpc.identity.account.endSession.useMutation({ onSuccess: done('Session signed out'), onError });
  const endOthers = trpc.identity.account.endOtherSessions.useMutation({ onSuccess: done('Signed out everywhere else'), onError });
  const others = (sessions.data ?? []).filter((s) => !s.current).length;
  return (
    <Card
      title="Where you are signed in"
      actions={
        others > 0 ? (
          <Button size="sm" loading={endOthers.isPending} onClick={() => endOthers.mutate()}>
            Sign out all other sessions
          </Button>
        ) : null
      }
    >
      <QueryState query={sessions} loading={<SkeletonRows rows={2} />}>
        {(list) => (
          <ul className="divide-y divide-slate-100" aria-label="Active sessions">
            {list.map((s) => (
              <li key={s.id} className="flex items-center justify-between gap-3 px-4 py-3 text-sm" data-session-device={s.device}>
                <div className="min-w-0">
                  <div className="flex items-center gap-2 font-medium text-slate-900">
                    {s.device}
                    {s.current ? <Badge tone="green">This browser</Badge> : null}
                  </div>
                  <div className="mt-0.5 text-xs text-slate-500">
                    {s.current ? 'Active now' : `Last seen ${formatRelative(s.lastSeenAt)}`}
                    {s.ip ? ` · ${s.ip}` : ''} · signed in {formatDateTime(s.createdAt)}
                  </div>
                </div>
                {s.current ? null : (
                  <Button
                    size="sm"
                    variant="ghost"
                    aria-label={`Sign out ${s.device}`}
                    loading={endOne.isPending && endOne.variables?.id === s.id}
                    onClick={() => endOne.mutate({ id: s.id })}
                  >
                    Sign out
                  </Button>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
