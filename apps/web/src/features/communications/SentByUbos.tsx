import { useState } from 'react';
import { formatDateTime } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Badge, Button, Drawer, EmptyState, QueryState, Select, Table, Td, Th, Tr } from '../../ui/index.ts';

type Mail = RouterOutputs['communications']['outgoing']['list']['items'][number];
type Status = Mail['status'];

const statusLabels: Record<Status, string> = { queued: 'Queued', sent: 'Sent', failed: 'Failed', kept_in_log: 'Kept in this log' };
const statusTones: Record<Status, 'slate' | 'green' | 'rose' | 'amber'> = { queued: 'amber', sent: 'green', failed: 'rose', kept_in_log: 'slate' };

/** Settings → Email → Sent by UBOS: every system email of the organization, newest first, with its rendered HTML and text. */
export function SentByUbosTab() {
  const [status, setStatus] = useState<Status | ''>('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [openId, setOpenId] = useState<string | null>(null);
  const cursor = cursors.at(-1) ?? null;
  const list = trpc.communications.outgoing.list.useQuery({ limit: 25, cursor, status: status || null }, { refetchInterval: 10_000 });
  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-500">
        Invitations, password resets, portal links and notifications UBOS sent for this organization. Without an SMTP server (SMTP_URL) they are kept here
        instead of being sent: open one to read it.
      </p>
      <div className="flex items-center gap-2">
        <label htmlFor="sent-status" className="text-sm text-slate-600">
          Status
        </label>
        <Select
          id="sent-status"
          className="w-44"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as Status | '');
            setCursors([null]);
          }}
        >
          <option value="">All</option>
          {(Object.keys(statusLabels) as Status[]).map((value) => (
            <option key={value} value={value}>
              {statusLabels[value]}
            </option>
          ))}
        </Select>
      </div>
      <QueryState
        query={list}
        isEmpty={(data) => data.items.length === 0}
        empty={<EmptyState title="No email sent yet" description="When UBOS sends an invitation, a password reset or a notification, it is listed here." />}
      >
        {(data) => (
          <>
            <Table>
              <thead>
                <tr>
                  <Th>Subject</Th>
                  <Th>To</Th>
                  <Th>Status</Th>
                  <Th>When</Th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100" data-testid="sent-mail-list">
                {data.items.map((mail) => (
                  <Tr key={mail.id}>
                    <Td>
                      <button type="button" className="text-left font-medium text-indigo-700 hover:underline" onClick={() => setOpenId(mail.id)}>
                        {mail.subject}
                      </button>
                      {mail.lastError ? <div className="text-xs text-rose-600">{mail.lastError}</div> : null}
                    </Td>
                    <Td>{mail.to.name ? `${mail.to.name} <${mail.to.email}>` : mail.to.email}</Td>
                    <Td>
                      <Badge tone={statusTones[mail.status]}>{statusLabels[mail.status]}</Badge>
                      {mail.attempts > 1 ? <span className="ml-1 text-xs text-slate-500">{mail.attempts} attempts</span> : null}
                    </Td>
                    <Td className="whitespace-nowrap text-slate-500">{formatDateTime(mail.createdAt)}</Td>
                  </Tr>
                ))}
              </tbody>
            </Table>
            <div className="flex justify-end gap-2">
              <Button size="sm" disabled={cursors.length === 1} onClick={() => setCursors((all) => all.slice(0, -1))}>
                Newer
              </Button>
              <Button size="sm" disabled={!data.nextCursor} onClick={() => setCursors((all) => [...all, data.nextCursor])}>
                Older
              </Button>
            </div>
          </>
        )}
      </QueryState>
      {openId ? <MailDrawer id={openId} onClose={() => setOpenId(null)} /> : null}
    </div>
  );
}

function MailDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const mail = trpc.communications.outgoing.get.useQuery({ id });
  const [view, setView] = useState<'html' | 'text'>('html');
  return (
    <Drawer open onOpenChange={(open) => (open ? undefined : onClose())} title={mail.data?.subject ?? 'Email'}>
      <QueryState query={mail}>
        {(data) => (
          <div className="space-y-3 text-sm">
            <dl className="grid grid-cols-[6rem_1fr] gap-1 text-slate-600">
              <dt>To</dt>
              <dd className="text-slate-900">{data.to.name ? `${data.to.name} <${data.to.email}>` : data.to.email}</dd>
              <dt>Status</dt>
              <dd>
                {statusLabels[data.status]}
                {data.sentAt ? ` · ${formatDateTime(data.sentAt)}` : ''}
              </dd>
              {data.lastError ? (
                <>
                  <dt>Last error</dt>
                  <dd className="text-rose-600">{data.lastError}</dd>
                </>
              ) : null}
              {data.attachments.length > 0 ? (
                <>
                  <dt>Attached</dt>
                  <dd>{data.attachments.map((attachment) => attachment.filename).join(', ')}</dd>
                </>
              ) : null}
            </dl>
            <div className="flex gap-2" role="tablist">
              <Button size="sm" variant={view === 'html' ? 'primary' : 'secondary'} role="tab" aria-selected={view === 'html'} onClick={() => setView('html')}>
                As sent (HTML)
              </Button>
              <Button size="sm" variant={view === 'text' ? 'primary' : 'secondary'} role="tab" aria-selected={view === 'text'} onClick={() => setView('text')}>
                Plain text
              </Button>
            </div>
            {view === 'html' ? (
              // sandbox with no allowances: no scripts, no same-origin access, no forms, no top navigation.
              <iframe title="Email as sent" sandbox="" srcDoc={data.html} className="h-[28rem] w-full rounded-md ring-1 ring-slate-200" />
            ) : (
              <pre
                className="max-h-[28rem] overflow-auto rounded-md bg-slate-50 p-3 text-xs whitespace-pre-wrap ring-1 ring-slate-200"
                data-testid="sent-mail-text"
              >
                {data.text}
              </pre>
            )}
          </div>
        )}
      </QueryState>
    </Drawer>
  );
}
