import { useRef, useState, type ReactNode } from 'react';
import { cn } from '../../lib/cn.ts';

/**
 * Drop files here or pick them (many at once). The whole zone is one button: Enter or Space opens
 * the picker, so it works without a mouse; on a phone it is a large touch target.
 */
export function DropZone({
  onFiles,
  accept,
  disabled = false,
  children,
  large = false,
  inputTestId = 'file-input',
}: {
  onFiles: (files: File[]) => void;
  accept?: string | undefined;
  disabled?: boolean;
  children?: ReactNode;
  large?: boolean;
  inputTestId?: string;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for dragged files only; the button inside is the keyboard and touch path
    <div
      onDragEnter={(e) => {
        if (disabled || !e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        depth.current += 1;
        setOver(true);
      }}
      onDragOver={(e) => {
        if (disabled || !e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={(e) => {
        if (disabled) return;
        e.preventDefault();
        depth.current = 0;
        setOver(false);
        const files = Array.from(e.dataTransfer.files);
        if (files.length > 0) onFiles(files);
      }}
    >
      <button
        type="button"
        disabled={disabled}
        onClick={() => input.current?.click()}
        data-testid="drop-zone"
        className={cn(
          'flex w-full flex-col items-center justify-center gap-1 rounded-lg border-2 border-dashed text-center transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-60',
          large ? 'min-h-40 px-6 py-8' : 'px-4 py-5',
          over ? 'border-indigo-500 bg-indigo-50' : 'border-slate-300 bg-white hover:border-indigo-400 hover:bg-slate-50',
        )}
      >
        <svg
          viewBox="0 0 20 20"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.6"
          strokeLinecap="round"
          className={cn('text-indigo-500', large ? 'size-8' : 'size-5')}
          aria-hidden="true"
        >
          <path d="M10 13V4m0 0L6.5 7.5M10 4l3.5 3.5M4 14v2h12v-2" />
        </svg>
        <span className={cn('font-medium text-slate-800', large ? 'text-base' : 'text-sm')}>{over ? 'Drop to upload' : 'Drop files here or choose files'}</span>
        {children ? <span className="text-xs text-slate-500">{children}</span> : null}
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        accept={accept}
        data-testid={inputTestId}
        aria-label="Choose files to upload"
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
    </div>
  );
}
