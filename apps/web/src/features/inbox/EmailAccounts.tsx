import { useState } from 'react';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Badge, Button, Card, Checkbox, Dialog, EmptyState, Field, FormError, Input, QueryState, Select, useToast } from '../../ui/index.ts';

type Account = RouterOutputs['communications']['accounts']['list']['items'][number];

const statusTone: Record<string, 'green' | 'amber' | 'rose' | 'slate'> = {
  connected: 'green',
  syncing: 'green',
  degraded: 'amber',
  needs_reauth: 'rose',
  disconnected: 'slate',
};

function ConnectForm({ onDone }: { onDone: () => void }) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const [form, setForm] = useState({
    emailAddress: '',
    imapHost: '',
    imapPort: '993',
    imapTls: true,
    smtpHost: '',
    smtpPort: '465',
    smtpSecurity: 'tls' as 'tls' | 'starttls' | 'none',
    username: '',
    password: '',
  });
  const set = (key: keyof typeof form) => (value: string | boolean) => setForm((f) => ({ ...f, [key]: value }));
  const connect = trpc.communications.accounts.connectImap.useMutation({
    onSuccess: (account) => {
      void utils.communications.accounts.list.invalidate();
      toast(`${account.emailAddress} connected: its mail arrives within a minute`);
      onDone();
    },
  });
  return (
    <form
      id="connect-mailbox"
      className="grid gap-3 sm:grid-cols-2"
      onSubmit={(event) => {
        event.preventDefault();
        connect.mutate({
          emailAddress: form.emailAddress,
          imap: { host: form.imapHost, port: Number(form.imapPort), tls: form.imapTls },
          smtp: { host: form.smtpHost || form.imapHost, port: Number(form.smtpPort), security: form.smtpSecurity },
          username: form.username || form.emailAddress,
          password: form.password,
        });
      }}
    >
      <Field label="Email address" name="emailAddress" error={connect.error} className="sm:col-span-2" required>
        <Input type="email" value={form.emailAddress} onChange={(e) => set('emailAddress')(e.target.value)} autoFocus />
      </Field>
      <Field label="IMAP server" name="imap.host" error={connect.error} required>
        <Input value={form.imapHost} onChange={(e) => set('imapHost')(e.target.value)} placeholder="imap.example.com" />
      </Field>
      <div className="flex items-end gap-3">
        <Field label="IMAP port" name="imap.port" error={connect.error} className="w-24">
          <Input inputMode="numeric" value={form.imapPort} onChange={(e) => set('imapPort')(e.target.value)} />
        </Field>
        <Checkbox label="TLS" checked={form.imapTls} onChange={(e) => set('imapTls')(e.target.checked)} />
      </div>
      <Field label="SMTP server" name="smtp.host" error={connect.error} hint="Empty: the IMAP server">
        <Input value={form.smtpHost} onChange={(e) => set('smtpHost')(e.target.value)} placeholder="smtp.example.com" />
      </Field>
      <div className="flex items-end gap-3">
        <Field label="SMTP port" name="smtp.port" error={connect.error} className="w-24">
          <Input inputMode="numeric" value={form.smtpPort} onChange={(e) => set('smtpPort')(e.target.value)} />
        </Field>
        <Field label="Security" name="smtp.security" error={connect.error} className="flex-1">
          <Select value={form.smtpSecurity} onChange={(e) => set('smtpSecurity')(e.target.value)}>
            <option value="tls">TLS</option>
            <option value="starttls">STARTTLS</option>
            <option value="none">None</option>
          </Select>
        </Field>
      </div>
      <Field label="User name" name="username" error={connect.error} hint="Empty: the email address">
        <Input value={form.username} onChange={(e) => set('username')(e.target.value)} autoComplete="off" />
      </Field>
      <Field label="Password" name="password" error={connect.error} required>
        <Input type="password" value={form.password} onChange={(e) => set('password')(e.target.value)} autoComplete="new-password" />
      </Field>
      <div className="sm:col-span-2">
        <FormError
          error={connect.error}
          fields={['emailAddress', 'imap.host', 'imap.port', 'smtp.host', 'smtp.port', 'smtp.security', 'username', 'password']}
        />
        <p className="mt-1 text-xs text-slate-500">UBOS logs in to both servers before saving; the password is kept encrypted and never shown again.</p>
        <Button type="submit" variant="primary" className="mt-2" loading={connect.isPending}>
          {connect.isPending ? 'Testing the connection…' : 'Test and connect'}
        </Button>
      </div>
    </form>
  );
}

function AccountRow({ account }: { account: Account }) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  const disconnect = trpc.communications.accounts.disconnect.useMutation({
    onSuccess: () => {
      void utils.communications.accounts.list.invalidate();
      toast(`${account.emailAddress} disconnected`);
      setConfirming(false);
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  return (
    <li className="py-3" data-testid="mailbox">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          <span className="font-medium text-slate-900">{account.emailAddress}</span>{' '}
          <Badge tone={statusTone[account.status] ?? 'slate'}>{account.status.replace('_', ' ')}</Badge>
          <div className="text-xs text-slate-500">
            IMAP {account.imap.host}:{account.imap.port} · SMTP {account.smtp.host}:{account.smtp.port} ·{' '}
            {account.lastSyncedAt ? `last synced ${formatDateTime(account.lastSyncedAt)}` : 'first sync pending'}
          </div>
          {account.lastSyncError ? <p className="text-xs text-rose-600">Last sync failed: {account.lastSyncError}</p> : null}
          {account.reconcile ? (
            <p className={account.reconcile.missingLocally > 0 ? 'text-xs text-amber-700' : 'text-xs text-slate-500'}>
              Checked against the server {account.reconciledAt ? formatDateTime(account.reconciledAt) : ''}: {account.reconcile.deletedOnServer} deleted there,{' '}
              {account.reconcile.missingLocally} missing here{account.reconcile.missingLocally > 0 ? ' (fetched again on the next sync)' : ''}.
            </p>
          ) : null}
          <p className="text-xs text-slate-400">Folders: {account.folders.map((f) => f.path).join(', ')}</p>
        </div>
        <Button size="sm" variant="danger" onClick={() => setConfirming(true)}>
          Disconnect
        </Button>
      </div>
      <Dialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Disconnect ${account.emailAddress}?`}
        description="Syncing stops and the password is erased. Mail already in UBOS stays."
        footer={
          <>
            <Button variant="ghost" onClick={() => setConfirming(false)}>
              Keep it
            </Button>
            <Button variant="danger" loading={disconnect.isPending} onClick={() => disconnect.mutate({ id: account.id })}>
              Disconnect
            </Button>
          </>
        }
      >
        <span />
      </Dialog>
    </li>
  );
}

/** Settings → Email accounts: my mailboxes (IMAP + SMTP), connected with a connection test. */
export function EmailAccountsTab() {
  const accounts = trpc.communications.accounts.list.useQuery();
  const [connecting, setConnecting] = useState(false);
  return (
    <div className="space-y-4">
      <Card
        title="Email accounts"
        actions={
          connecting ? null : (
            <Button size="sm" variant="primary" onClick={() => setConnecting(true)}>
              Connect a mailbox
            </Button>
          )
        }
      >
        {connecting ? (
          <div className="m-4 rounded-lg border border-slate-200 p-3">
            <ConnectForm onDone={() => setConnecting(false)} />
            <Button size="sm" variant="ghost" className="mt-2" onClick={() => setConnecting(false)}>
              Cancel
            </Button>
          </div>
        ) : null}
        <QueryState
          query={accounts}
          isEmpty={(d) => d.items.length === 0}
          empty={
            <EmptyState
              title="No mailbox connected"
              description="Connect your IMAP/SMTP mailbox to read and answer client email in UBOS. Gmail and Microsoft 365 are not offered yet."
            />
          }
        >
          {(d) => (
            <ul className="divide-y divide-slate-100 px-4">
              {d.items.map((account) => (
                <AccountRow key={account.id} account={account} />
              ))}
            </ul>
          )}
        </QueryState>
      </Card>
    </div>
  );
}
