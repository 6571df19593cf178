import { useSearchParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { trpc } from '../../trpc.ts';
import { PageHeader, Tabs } from '../../ui/index.ts';
import { FilesBrowser } from './FilesBrowser.tsx';
import { RequestsPanel } from './Requests.tsx';

type Tab = 'files' | 'requests';

/** /files: every folder and file of the workspace, and its file requests (?folder, ?file, ?tab in the URL). */
export default function FilesPage() {
  const [params, setParams] = useSearchParams();
  const tab: Tab = params.get('tab') === 'requests' ? 'requests' : 'files';
  const folderId = params.get('folder');
  const fileId = params.get('file');
  const canRead = useCan('files.read');
  const folders = trpc.files.folders.list.useQuery({ clientId: null, projectId: null }, { enabled: tab === 'requests' });
  const set = (change: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(change)) {
      if (value === null) next.delete(key);
      else next.set(key, value);
    }
    setParams(next, { replace: true });
  };
  return (
    <>
      <PageHeader title="Files" subtitle="Documents for your clients and projects, and upload links for files you are waiting for." />
      <Tabs
        tabs={[
          { id: 'files', label: 'Files' },
          { id: 'requests', label: 'File requests' },
        ]}
        value={tab}
        onChange={(t) => set({ tab: t === 'files' ? null : t, file: null })}
      />
      <div className="mt-5">
        {!canRead ? (
          <p className="text-sm text-slate-500">You do not have access to files.</p>
        ) : tab === 'files' ? (
          <FilesBrowser folderId={folderId} onFolderChange={(id) => set({ folder: id, file: null })} fileId={fileId} onFileChange={(id) => set({ file: id })} />
        ) : (
          <RequestsPanel folders={folders.data ?? []} defaultFolderId={folderId} />
        )}
      </div>
    </>
  );
}
