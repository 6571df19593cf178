import { useState } from 'react';
import { useNavigate } from 'react-router';
import { trpc } from '../../trpc.ts';
import { Button, Dialog, Field, FormError, Input, Select, Textarea, useToast } from '../../ui/index.ts';

const split = (value: string) =>
  value
    .split(/[,;\s]+/)
    .map((part) => part.trim())
    .filter(Boolean);

/** New message from one of my mailboxes; optional client to file it on. */
export function Composer({ open, onClose, clientId }: { open: boolean; onClose: () => void; clientId?: string }) {
  const navigate = useNavigate();
  const toast = useToast();
  const utils = trpc.useUtils();
  const accounts = trpc.communications.accounts.list.useQuery(undefined, { enabled: open });
  const [accountId, setAccountId] = useState('');
  const [to, setTo] = useState('');
  const [cc, setCc] = useState('');
  const [subject, setSubject] = useState('');
  const [text, setText] = useState('');
  const send = trpc.communications.messages.send.useMutation({
    onSuccess: (result) => {
      void utils.communications.threads.list.invalidate();
      toast('Message queued: it is sent in a moment');
      onClose();
      navigate(`/inbox/${result.threadId}`);
    },
  });
  const from = accountId || accounts.data?.items[0]?.id || '';
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => (next ? undefined : onClose())}
      title="New email"
      size="lg"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form="composer" loading={send.isPending} disabled={!from}>
            Send
          </Button>
        </>
      }
    >
      {accounts.data && accounts.data.items.length === 0 ? (
        <p className="text-sm text-slate-600">Connect a mailbox first: Settings → Email accounts.</p>
      ) : (
        <form
          id="composer"
          className="space-y-3"
          onSubmit={(event) => {
            event.preventDefault();
            send.mutate({ accountId: from, to: split(to), cc: split(cc), subject, text, ...(clientId ? { clientId } : {}) });
          }}
        >
          <Field label="From" name="accountId" error={send.error}>
            <Select value={from} onChange={(e) => setAccountId(e.target.value)}>
              {(accounts.data?.items ?? []).map((a) => (
                <option key={a.id} value={a.id}>
                  {a.emailAddress}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="To" name="to" error={send.error} hint="Separate addresses with commas">
            <Input value={to} onChange={(e) => setTo(e.target.value)} autoFocus />
          </Field>
          <Field label="Cc" name="cc" error={send.error}>
            <Input value={cc} onChange={(e) => setCc(e.target.value)} />
          </Field>
          <Field label="Subject" name="subject" error={send.error}>
            <Input value={subject} onChange={(e) => setSubject(e.target.value)} />
          </Field>
          <Field label="Message" name="text" error={send.error}>
            <Textarea rows={8} value={text} onChange={(e) => setText(e.target.value)} />
          </Field>
          <FormError error={send.error} fields={['to', 'cc', 'subject', 'text', 'accountId']} />
        </form>
      )}
    </Dialog>
  );
}
