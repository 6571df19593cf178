import { useState } from 'react';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Card, EmptyState, QueryState } from '../../ui/index.ts';
import { formatBytes } from '../files/format.ts';
import { RequestUpload } from './RequestUpload.tsx';

/** The folders the team shared with the client, and the files it asked the client for. */
export default function PortalFiles() {
  const files = trpc.portal.me.files.useQuery();
  const utils = trpc.useUtils();
  // A finished request leaves the list when it refreshes: the thanks is kept here, above it.
  const [sent, setSent] = useState<{ label: string; files: number } | null>(null);
  // A signed URL minted on click (valid a few minutes), never listed in advance.
  const download = trpc.portal.me.download.useMutation({ onSuccess: (signed) => window.location.assign(signed.url) });
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold text-slate-900">Files</h1>
      <QueryState
        query={files}
        isEmpty={(data) => data.folders.length === 0 && data.fileRequests.length === 0}
        empty={<EmptyState title="Nothing was shared with you yet" />}
      >
        {(data) => (
          <div className="grid gap-4">
            {sent ? (
              <p className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900" role="status">
                Thank you: {sent.files} file{sent.files === 1 ? '' : 's'} sent for “{sent.label}”.
              </p>
            ) : null}
            {download.error ? (
              <p className="rounded-md bg-rose-50 p-3 text-sm text-rose-900" role="alert">
                {errorMessage(download.error)}
              </p>
            ) : null}
            {data.fileRequests.length > 0 ? (
              <Card title="Files we asked you for">
                <ul className="divide-y divide-slate-100" data-testid="portal-file-requests">
                  {data.fileRequests.map((request) => (
                    <li key={request.id} className="py-2.5 text-sm">
                      <span className="font-medium text-slate-900">{request.label}</span>{' '}
                      <span className="text-slate-500">— open until {formatDate(request.expiresAt)}</span>
                      <RequestUpload
                        requestId={request.id}
                        label={request.label}
                        onFinished={(files) => {
                          setSent({ label: request.label, files });
                          void utils.portal.me.invalidate();
                        }}
                      />
                    </li>
                  ))}
                </ul>
              </Card>
            ) : null}
            {data.folders.map((folder) => (
              <Card key={folder.id} title={folder.name}>
                {folder.files.length === 0 ? (
                  <p className="text-sm text-slate-500">This folder is empty.</p>
                ) : (
                  <ul className="divide-y divide-slate-100" data-testid="portal-folder">
                    {folder.files.map((file) => (
                      <li key={file.id} className="flex flex-wrap gap-2 py-2.5 text-sm">
                        <button
                          type="button"
                          className="min-h-11 min-w-0 flex-1 truncate text-left font-medium text-slate-900 underline decoration-slate-300 underline-offset-2"
                          onClick={() => download.mutate({ fileId: file.id })}
                          aria-label={`Download ${file.name}`}
                        >
                          {file.name}
                        </button>
                        <span className="text-slate-500">
                          {file.version > 1 ? `version ${file.version} · ` : ''}
                          {formatBytes(file.size)} · {formatDate(file.updatedAt)}
                        </span>
                      </li>
                    ))}
                  </ul>
                )}
              </Card>
            ))}
          </div>
        )}
      </QueryState>
    </>
  );
}
