import { useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, toDate } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Button, Card, EmptyState, Field, FormError, QueryState, Textarea, useToast } from '../../ui/index.ts';

/** Notes about one record (a client or a deal): list, add, edit, delete. */
export function NotesPanel({ subjectType, subjectId }: { subjectType: 'client' | 'contact' | 'deal'; subjectId: string }) {
  const canWrite = useCan('crm.client.write');
  const toast = useToast();
  const utils = trpc.useUtils();
  const [body, setBody] = useState('');
  const notes = trpc.crm.notes.list.useQuery({ subjectType, subjectId, limit: 100 });
  const create = trpc.crm.notes.create.useMutation({
    onSuccess: () => {
      setBody('');
      void utils.crm.notes.list.invalidate();
    },
  });
  const archive = trpc.crm.notes.archive.useMutation({
    onSuccess: () => void utils.crm.notes.list.invalidate(),
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  return (
    <div className="grid gap-5 lg:grid-cols-3">
      <div className="lg:col-span-2">
        <Card title="Notes">
          <QueryState
            query={notes}
            isEmpty={(d) => d.items.length === 0}
            empty={<EmptyState title="No notes yet" description="Keep call notes, context and decisions here." />}
          >
            {(d) => (
              <ul className="divide-y divide-slate-100">
                {d.items.map((n) => (
                  <NoteItem key={n.id} note={n} canWrite={canWrite} onDelete={() => archive.mutate({ id: n.id })} />
                ))}
              </ul>
            )}
          </QueryState>
        </Card>
      </div>
      {canWrite ? (
        <Card title="Add a note">
          <form
            className="space-y-2 p-4"
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate({ subjectType, subjectId, body });
            }}
          >
            <Textarea rows={5} value={body} onChange={(e) => setBody(e.target.value)} placeholder="What happened?" aria-label="Note" />
            {create.error ? <p className="text-xs text-rose-600">{errorMessage(create.error)}</p> : null}
            <Button type="submit" variant="primary" size="sm" loading={create.isPending} disabled={!body.trim()}>
              Save note
            </Button>
          </form>
        </Card>
      ) : null}
    </div>
  );
}

type Note = RouterOutputs['crm']['notes']['list']['items'][number];

export function NoteItem({ note, canWrite, onDelete }: { note: Note; canWrite: boolean; onDelete: () => void }) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const [editing, setEditing] = useState(false);
  const [body, setBody] = useState(note.body);
  const update = trpc.crm.notes.update.useMutation({
    onSuccess: () => {
      setEditing(false);
      toast('Note updated');
      void utils.crm.notes.list.invalidate();
    },
  });
  // crm writes a new note's created_at and updated_at from one clock: they differ only after an edit.
  const edited = (toDate(note.updatedAt)?.getTime() ?? 0) > (toDate(note.createdAt)?.getTime() ?? 0);
  if (editing) {
    return (
      <li className="px-4 py-3" data-note-id={note.id}>
        <form
          className="space-y-2"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            update.mutate({ id: note.id, body });
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') e.stopPropagation(), setEditing(false), update.reset();
          }}
        >
          <FormError error={update.error} fields={['body']} />
          <Field label="Note text" name="body" error={update.error}>
            <Textarea rows={4} value={body} autoFocus onChange={(e) => setBody(e.target.value)} />
          </Field>
          <div className="flex gap-2">
            <Button type="submit" variant="primary" size="sm" loading={update.isPending} disabled={body === note.body}>
              Save changes
            </Button>
            <Button size="sm" variant="ghost" onClick={() => (setEditing(false), setBody(note.body), update.reset())}>
              Cancel
            </Button>
          </div>
        </form>
      </li>
    );
  }
  return (
    <li className="group px-4 py-3" data-note-id={note.id}>
      <p className="text-sm whitespace-pre-wrap text-slate-800">{note.body}</p>
      <div className="mt-1 flex items-center gap-2 text-xs text-slate-500">
        {formatDateTime(note.createdAt)}
        {edited ? <span title={`Edited ${formatDateTime(note.updatedAt)}`}>· edited</span> : null}
        {canWrite ? (
          <span className="invisible flex gap-2 group-focus-within:visible group-hover:visible">
            <button
              type="button"
              className="text-slate-400 hover:text-indigo-600"
              onClick={() => (setBody(note.body), setEditing(true))}
              aria-label="Edit note"
            >
              Edit
            </button>
            <button type="button" className="text-slate-400 hover:text-rose-600" onClick={onDelete} aria-label="Delete note">
              Delete
            </button>
          </span>
        ) : null}
      </div>
    </li>
  );
}
