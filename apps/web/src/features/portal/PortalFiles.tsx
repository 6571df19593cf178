import { formatDate } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Card, EmptyState, QueryState } from '../../ui/index.ts';
import { formatBytes } from '../files/format.ts';

/** The folders the team shared with the client, and the files it asked the client for. */
export default function PortalFiles() {
  const files = trpc.portal.me.files.useQuery();
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
            {data.fileRequests.length > 0 ? (
              <Card title="Files we asked you for">
                <ul className="divide-y divide-slate-100" data-testid="portal-file-requests">
                  {data.fileRequests.map((request) => (
                    <li key={request.id} className="py-2.5 text-sm">
                      <span className="font-medium text-slate-900">{request.label}</span>{' '}
                      <span className="text-slate-500">— open until {formatDate(request.expiresAt)}. Use the upload link in the email we sent you.</span>
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
                        <span className="min-w-0 flex-1 truncate text-slate-900">{file.name}</span>
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
