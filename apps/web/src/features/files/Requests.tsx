import { useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate, formatDateTime } from '../../lib/format.ts';
import { useKeysetList } from '../../lib/keyset.ts';
import { trpc } from '../../trpc.ts';
import {
  Badge,
  Button,
  Card,
  Checkbox,
  Dialog,
  Drawer,
  EmptyState,
  ErrorState,
  Field,
  FormError,
  Input,
  PageSpinner,
  QueryState,
  Select,
  Table,
  Td,
  Th,
  Tr,
  useToast,
} from '../../ui/index.ts';
import { formatBytes } from './format.ts';
import { typeGroups } from './typeGroups.ts';
import { describeTypes } from './upload.ts';
import { folderOptions, folderPath, type CreatedRequest, type FileRequestDetail, type FilesScope, type Folder } from './types.ts';

const MB = 1024 * 1024;

export const stateTone = { open: 'green', expired: 'amber', revoked: 'rose', completed: 'indigo' } as const;

/** The full address of a request's public page (the server's when PUBLIC_URL is set). */
export function requestLinkUrl(created: Pick<CreatedRequest, 'url' | 'path'>): string {
  return /^https?:\/\//.test(created.url) ? created.url : `${window.location.origin}${created.path}`;
}

/** File requests of the scope: create, copy the link (shown once), status, submissions, revoke. */
export function RequestsPanel({ scope = {}, folders, defaultFolderId }: { scope?: FilesScope; folders: readonly Folder[]; defaultFolderId: string | null }) {
  const canManage = useCan('files.request.manage');
  const utils = trpc.useUtils();
  const [creating, setCreating] = useState(false);
  const [openId, setOpenId] = useState<string | null>(null);
  const input = { ...(scope.clientId ? { clientId: scope.clientId } : scope.projectId ? { projectId: scope.projectId } : {}), limit: 50 };
  const requests = useKeysetList('files.requests.list', input, (i) => utils.client.files.requests.list.query(i));
  return (
    <Card
      title="File requests"
      actions={
        canManage ? (
          <Button
            size="sm"
            variant="primary"
            onClick={() => setCreating(true)}
            disabled={folders.length === 0}
            title={folders.length === 0 ? 'Create a folder first' : undefined}
          >
            New file request
          </Button>
        ) : null
      }
    >
      <QueryState
        query={requests}
        isEmpty={() => requests.items.length === 0}
        empty={
          <EmptyState
            title="No file requests yet"
            description={
              folders.length === 0
                ? 'Create a folder first, then ask a client for files with an upload-only link.'
                : 'Ask a client for files with an upload-only link; no account needed.'
            }
          />
        }
      >
        {() => (
          <Table>
            <thead>
              <tr>
                <Th>Request</Th>
                <Th>Folder</Th>
                <Th>Status</Th>
                <Th>Files</Th>
                <Th>Expires</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {requests.items.map((r) => (
                <Tr key={r.id} onClick={() => setOpenId(r.id)} data-request-label={r.label}>
                  <Td className="max-w-64 truncate font-medium text-slate-900">{r.label}</Td>
                  <Td className="max-w-48 truncate text-slate-500">{folderPath(folders, r.folderId) || '—'}</Td>
                  <Td>
                    <Badge tone={stateTone[r.state]}>{r.state}</Badge>
                  </Td>
                  <Td className="text-slate-500 tabular-nums">
                    {r.filesReceived} / {r.maxFiles}
                  </Td>
                  <Td className="text-slate-500">{formatDate(r.expiresAt)}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </QueryState>
      {requests.hasNextPage ? (
        <div className="border-t border-slate-100 p-3 text-center">
          <Button size="sm" loading={requests.isFetchingNextPage} onClick={() => void requests.fetchNextPage()}>
            Load more
          </Button>
        </div>
      ) : null}
      {creating ? <CreateRequestDialog folders={folders} defaultFolderId={defaultFolderId} onClose={() => setCreating(false)} /> : null}
      {openId ? <RequestDrawer id={openId} folders={folders} onClose={() => setOpenId(null)} /> : null}
    </Card>
  );
}

export function CreateRequestDialog({
  folders,
  defaultFolderId,
  onClose,
}: {
  folders: readonly Folder[];
  defaultFolderId: string | null;
  onClose: () => void;
}) {
  const options = folderOptions(folders);
  const [label, setLabel] = useState('');
  const [folderId, setFolderId] = useState(defaultFolderId ?? options[0]?.id ?? '');
  const [maxFiles, setMaxFiles] = useState('10');
  const [maxMb, setMaxMb] = useState('');
  const [groups, setGroups] = useState<Set<string>>(new Set());
  const [days, setDays] = useState('14');
  const [requireName, setRequireName] = useState(true);
  const [requireEmail, setRequireEmail] = useState(true);
  const [created, setCreated] = useState<CreatedRequest | null>(null);
  const create = trpc.files.requests.create.useMutation({ onSuccess: (result) => setCreated(result) });
  if (created) return <RequestLinkDialog created={created} onClose={onClose} />;
  const allowedTypes = groups.size === 0 ? null : typeGroups.filter((g) => groups.has(g.id)).flatMap((g) => g.types);
  const toInt = (value: string) => (value.trim() === '' ? Number.NaN : Number(value));
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title="New file request"
      description="An upload-only link: whoever has it can send files into the folder, never see or download any."
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form="new-request-form" loading={create.isPending}>
            Create link
          </Button>
        </>
      }
    >
      <form
        id="new-request-form"
        className="grid gap-3 sm:grid-cols-2"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({
            label,
            folderId,
            maxFiles: toInt(maxFiles),
            maxBytesPerFile: maxMb.trim() ? Math.round(Number(maxMb) * MB) : null,
            allowedTypes,
            expiresInDays: toInt(days),
            requireUploaderName: requireName,
            requireUploaderEmail: requireEmail,
          });
        }}
      >
        <div className="sm:col-span-2">
          <FormError error={create.error} fields={['label', 'folderId', 'maxFiles', 'maxBytesPerFile', 'allowedTypes', 'expiresInDays']} />
        </div>
        <Field label="What are you asking for?" name="label" error={create.error} required className="sm:col-span-2">
          <Input autoFocus value={label} onChange={(e) => setLabel(e.target.value)} placeholder="Signed contract and ID" />
        </Field>
        <Field label="Into folder" name="folderId" error={create.error} required className="sm:col-span-2">
          <Select value={folderId} onChange={(e) => setFolderId(e.target.value)}>
            {options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Max files" name="maxFiles" error={create.error}>
          <Input type="number" min={1} max={100} value={maxFiles} onChange={(e) => setMaxFiles(e.target.value)} />
        </Field>
        <Field label="Max size per file (MB)" name="maxBytesPerFile" error={create.error} hint="Empty: the workspace limit">
          <Input type="number" min={0.1} step="any" value={maxMb} onChange={(e) => setMaxMb(e.target.value)} />
        </Field>
        <Field label="Link expires after (days)" name="expiresInDays" error={create.error}>
          <Input type="number" min={1} max={90} value={days} onChange={(e) => setDays(e.target.value)} />
        </Field>
        <fieldset className="sm:col-span-2">
          <legend className="mb-1 text-xs font-medium text-slate-700">Allowed types</legend>
          <p className="mb-1.5 text-xs text-slate-500">None ticked: every type the workspace allows.</p>
          <div className="flex flex-wrap gap-x-4 gap-y-1.5">
            {typeGroups.map((g) => (
              <Checkbox
                key={g.id}
                label={g.label}
                checked={groups.has(g.id)}
                onChange={(e) =>
                  setGroups((prev) => {
                    const next = new Set(prev);
                    if (e.target.checked) next.add(g.id);
                    else next.delete(g.id);
                    return next;
                  })
                }
              />
            ))}
          </div>
        </fieldset>
        <fieldset className="flex flex-wrap gap-x-4 gap-y-1.5 sm:col-span-2">
          <legend className="mb-1 text-xs font-medium text-slate-700">The sender must give</legend>
          <Checkbox label="Their name" checked={requireName} onChange={(e) => setRequireName(e.target.checked)} />
          <Checkbox label="Their email" checked={requireEmail} onChange={(e) => setRequireEmail(e.target.checked)} />
        </fieldset>
      </form>
    </Dialog>
  );
}

/** The link with its token, shown this once (only its hash is stored). */
function RequestLinkDialog({ created, onClose }: { created: CreatedRequest; onClose: () => void }) {
  const toast = useToast();
  const url = requestLinkUrl(created);
  const [copied, setCopied] = useState(false);
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title="Link ready"
      description="Copy it now: for safety it is shown only this once. Send it to the person who has the files."
      footer={
        <Button variant="primary" onClick={onClose}>
          Done
        </Button>
      }
    >
      <div className="space-y-3">
        <div className="flex gap-2">
          <Input
            readOnly
            value={url}
            aria-label="File request link"
            data-testid="request-link"
            onFocus={(e) => e.target.select()}
            className="font-mono text-xs"
          />
          <Button
            variant="secondary"
            onClick={() => {
              navigator.clipboard
                .writeText(url)
                .then(() => (setCopied(true), toast('Link copied')))
                .catch(() => toast('Could not copy: select the link and copy it by hand.', 'error'));
            }}
          >
            {copied ? 'Copied' : 'Copy link'}
          </Button>
        </div>
        <p className="text-sm text-slate-600">
          <span className="font-medium text-slate-800">{created.request.label}</span> · up to {created.request.maxFiles} files of{' '}
          {formatBytes(created.request.maxBytesPerFile)} each · expires {formatDateTime(created.request.expiresAt)}
        </p>
      </div>
    </Dialog>
  );
}

function RequestDrawer({ id, folders, onClose }: { id: string; folders: readonly Folder[]; onClose: () => void }) {
  const canManage = useCan('files.request.manage');
  const toast = useToast();
  const utils = trpc.useUtils();
  const detail = trpc.files.requests.get.useQuery({ id });
  const [confirming, setConfirming] = useState(false);
  const revoke = trpc.files.requests.revoke.useMutation({
    onSuccess: () => {
      toast('Link revoked: it no longer takes files');
      setConfirming(false);
      void utils.files.requests.get.invalidate({ id });
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });
  return (
    <Drawer open onOpenChange={(open) => !open && onClose()} title={detail.data?.label ?? 'File request'}>
      {detail.isPending ? (
        <PageSpinner />
      ) : detail.error ? (
        <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />
      ) : (
        <RequestDetails request={detail.data} folders={folders} />
      )}
      {canManage && detail.data?.state === 'open' ? (
        <div className="mt-5 border-t border-slate-100 pt-4">
          {confirming ? (
            <div className="space-y-2 rounded-lg bg-rose-50 p-3 text-sm ring-1 ring-rose-200" role="alert">
              <p className="text-rose-800">Revoke this link? Anyone who opens it is told it no longer works. Files already sent stay.</p>
              <div className="flex gap-2">
                <Button size="sm" variant="danger" autoFocus loading={revoke.isPending} onClick={() => revoke.mutate({ id })}>
                  Revoke link
                </Button>
                <Button size="sm" variant="ghost" onClick={() => setConfirming(false)}>
                  Keep it
                </Button>
              </div>
            </div>
          ) : (
            <Button size="sm" variant="ghost" onClick={() => setConfirming(true)}>
              Revoke…
            </Button>
          )}
        </div>
      ) : null}
    </Drawer>
  );
}

function RequestDetails({ request, folders }: { request: FileRequestDetail; folders: readonly Folder[] }) {
  return (
    <div className="space-y-5">
      <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-sm">
        <dt className="text-slate-500">Status</dt>
        <dd>
          <Badge tone={stateTone[request.state]}>{request.state}</Badge>
        </dd>
        <dt className="text-slate-500">Folder</dt>
        <dd className="truncate text-slate-800">{folderPath(folders, request.folderId) || '—'}</dd>
        <dt className="text-slate-500">Files</dt>
        <dd className="text-slate-800">
          {request.filesReceived} of at most {request.maxFiles}
        </dd>
        <dt className="text-slate-500">Per file</dt>
        <dd className="text-slate-800">up to {formatBytes(request.maxBytesPerFile)}</dd>
        <dt className="text-slate-500">Types</dt>
        <dd className="text-slate-800">{request.allowedTypes.length > 0 ? describeTypes(request.allowedTypes) : 'what the workspace allows'}</dd>
        <dt className="text-slate-500">Expires</dt>
        <dd className="text-slate-800">{formatDateTime(request.expiresAt)}</dd>
        {request.completedAt ? (
          <>
            <dt className="text-slate-500">Completed</dt>
            <dd className="text-slate-800">{formatDateTime(request.completedAt)}</dd>
          </>
        ) : null}
        {request.revokedAt ? (
          <>
            <dt className="text-slate-500">Revoked</dt>
            <dd className="text-slate-800">{formatDateTime(request.revokedAt)}</dd>
          </>
        ) : null}
      </dl>
      <section aria-label="Submissions">
        <h3 className="mb-2 text-sm font-semibold text-slate-900">Submissions</h3>
        {request.submissions.length === 0 ? (
          <p className="text-sm text-slate-500">Nothing received yet.</p>
        ) : (
          <ul className="divide-y divide-slate-100 rounded-lg ring-1 ring-slate-200">
            {request.submissions.map((s) => (
              <li key={s.id} className="px-3 py-2 text-sm" data-submission={s.fileName}>
                <div className="truncate font-medium text-slate-800">{s.fileName}</div>
                <div className="text-xs text-slate-500">
                  {formatBytes(s.size)} · {formatDateTime(s.createdAt)}
                  {s.uploaderName || s.uploaderEmail ? ` · ${[s.uploaderName, s.uploaderEmail].filter(Boolean).join(', ')}` : ''}
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
