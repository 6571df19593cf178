import { cn } from '../../lib/cn.ts';
import { Button } from '../../ui/Button.tsx';
import { ProgressBar } from '../../ui/ProgressBar.tsx';
import { formatBytes } from './format.ts';
import type { QueueItem } from './useUploadQueue.ts';

const statusWords = {
  waiting: 'Waiting…',
  uploading: 'Uploading',
  checking: 'Checking…',
  done: 'Uploaded',
  failed: 'Failed',
  cancelled: 'Cancelled',
} as const;

/** One row per file: name, size, a progress bar, its status or error in words, Cancel / Retry. */
export function UploadQueue<R>({
  items,
  onCancel,
  onRetry,
  onClear,
  large = false,
}: {
  items: QueueItem<R>[];
  onCancel: (key: string) => void;
  onRetry?: (key: string) => void;
  onClear?: () => void;
  /** Bigger rows and buttons (touch screens: the public request page). */
  large?: boolean;
}) {
  if (items.length === 0) return null;
  const finished = items.filter((i) => i.status === 'done' || i.status === 'failed' || i.status === 'cancelled').length;
  return (
    <section aria-label="Uploads" className="rounded-lg bg-white ring-1 ring-slate-200">
      <header className="flex items-center justify-between border-b border-slate-100 px-3 py-2">
        <h3 className="text-sm font-semibold text-slate-900">
          Uploads{' '}
          <span className="font-normal text-slate-500">
            · {finished} of {items.length} finished
          </span>
        </h3>
        {onClear && finished > 0 ? (
          <Button size="sm" variant="ghost" onClick={onClear}>
            Clear finished
          </Button>
        ) : null}
      </header>
      <ul className="max-h-96 divide-y divide-slate-100 overflow-y-auto">
        {items.map((item) => {
          const percent = item.total > 0 ? (item.loaded / item.total) * 100 : 0;
          const active = item.status === 'waiting' || item.status === 'uploading' || item.status === 'checking';
          return (
            <li
              key={item.key}
              className={cn('flex items-center gap-3 px-3', large ? 'py-3' : 'py-2')}
              data-upload-name={item.file.name}
              data-upload-status={item.status}
            >
              <div className="min-w-0 flex-1">
                <div className="flex items-baseline justify-between gap-2 text-sm">
                  <span className="truncate font-medium text-slate-800">{item.file.name}</span>
                  <span className="shrink-0 text-xs text-slate-500 tabular-nums">
                    {item.status === 'uploading' ? `${Math.round(percent)}% · ` : ''}
                    {formatBytes(item.file.size)}
                  </span>
                </div>
                <ProgressBar
                  className="mt-1.5"
                  label={`Upload of ${item.file.name}`}
                  value={item.status === 'done' || item.status === 'checking' ? 100 : percent}
                  tone={item.status === 'done' ? 'green' : item.status === 'failed' ? 'rose' : item.status === 'cancelled' ? 'slate' : 'indigo'}
                />
                <p
                  className={cn('mt-1 text-xs', item.status === 'failed' ? 'text-rose-600' : 'text-slate-500')}
                  role={item.status === 'failed' ? 'alert' : undefined}
                  data-upload-message
                >
                  {item.status === 'failed' || item.status === 'cancelled' ? item.error : statusWords[item.status]}
                </p>
              </div>
              {active ? (
                <Button
                  size={large ? 'md' : 'sm'}
                  variant="ghost"
                  className={large ? 'h-11 px-4' : undefined}
                  onClick={() => onCancel(item.key)}
                  aria-label={`Cancel ${item.file.name}`}
                >
                  Cancel
                </Button>
              ) : onRetry && item.retryable && (item.status === 'failed' || item.status === 'cancelled') ? (
                <Button
                  size={large ? 'md' : 'sm'}
                  variant="ghost"
                  className={large ? 'h-11 px-4' : undefined}
                  onClick={() => onRetry(item.key)}
                  aria-label={`Retry ${item.file.name}`}
                >
                  Retry
                </Button>
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
