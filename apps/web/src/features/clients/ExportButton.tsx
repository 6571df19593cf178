import { useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { Button, useToast } from '../../ui/index.ts';

type Phase = { state: 'idle' } | { state: 'preparing' } | { state: 'downloading'; percent: number | null };

interface CsvFile {
  fileName: string;
  rows: number;
  content: string;
}

/**
 * Downloads crm.clients.export / crm.contacts.export for the list's current filter as a CSV file.
 * The request goes through XMLHttpRequest so a large file shows its download progress (the host
 * sends the whole answer with its length); while the server builds it the bar is indeterminate.
 */
export function ExportButton({
  procedure,
  input,
  label,
}: {
  procedure: 'crm.clients.export' | 'crm.contacts.export';
  input: Record<string, unknown>;
  label: string;
}) {
  const allowed = useCan('crm.export.run');
  const toast = useToast();
  const [phase, setPhase] = useState<Phase>({ state: 'idle' });
  if (!allowed) return null;
  const run = () => {
    setPhase({ state: 'preparing' });
    const clean = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && v !== '' && v !== false));
    const xhr = new XMLHttpRequest();
    xhr.open('GET', `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(clean))}`);
    xhr.responseType = 'text';
    xhr.onprogress = (e) => setPhase({ state: 'downloading', percent: e.lengthComputable && e.total > 0 ? Math.round((e.loaded / e.total) * 100) : null });
    xhr.onerror = () => {
      setPhase({ state: 'idle' });
      toast('The export could not be downloaded. Check the connection and try again.', 'error');
    };
    xhr.onload = () => {
      setPhase({ state: 'idle' });
      let body: { result?: { data: CsvFile }; error?: { message?: string } };
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        toast('The export could not be read. Try again.', 'error');
        return;
      }
      const file = body.result?.data;
      if (xhr.status !== 200 || !file) {
        toast(body.error?.message ?? 'The export failed. Try again.', 'error');
        return;
      }
      const url = URL.createObjectURL(new Blob([file.content], { type: 'text/csv;charset=utf-8' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.fileName;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      toast(`Exported ${file.rows.toLocaleString()} ${file.rows === 1 ? 'row' : 'rows'}`);
    };
    xhr.send();
  };
  const busy = phase.state !== 'idle';
  return (
    <span className="inline-flex items-center gap-2">
      <Button onClick={run} disabled={busy} aria-label={label}>
        {busy ? 'Exporting…' : 'Export CSV'}
      </Button>
      {busy ? (
        <span
          role="progressbar"
          aria-label="Export progress"
          aria-valuemin={0}
          aria-valuemax={100}
          {...(phase.state === 'downloading' && phase.percent !== null ? { 'aria-valuenow': phase.percent } : {})}
          aria-valuetext={phase.state === 'preparing' ? 'Preparing the file' : phase.percent === null ? 'Downloading' : `${phase.percent}% downloaded`}
          className="relative h-1.5 w-28 overflow-hidden rounded-full bg-slate-200"
          data-testid="export-progress"
        >
          <span
            className={
              phase.state === 'downloading' && phase.percent !== null
                ? 'absolute inset-y-0 left-0 bg-indigo-500'
                : 'absolute inset-y-0 left-0 w-1/3 animate-pulse bg-indigo-400'
            }
            style={phase.state === 'downloading' && phase.percent !== null ? { width: `${phase.percent}%` } : undefined}
          />
        </span>
      ) : null}
    </span>
  );
}
