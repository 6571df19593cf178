import { cn } from '../lib/cn.ts';

/** A determinate progress bar (0–100) with its accessible value; `tone` colours the fill. */
export function ProgressBar({
  value,
  label,
  tone = 'indigo',
  className,
}: {
  value: number;
  label: string;
  tone?: 'indigo' | 'green' | 'rose' | 'slate';
  className?: string;
}) {
  const percent = Math.max(0, Math.min(100, Math.round(value)));
  const fills = { indigo: 'bg-indigo-600', green: 'bg-emerald-500', rose: 'bg-rose-500', slate: 'bg-slate-400' } as const;
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      className={cn('h-1.5 w-full overflow-hidden rounded-full bg-slate-200', className)}
    >
      <div className={cn('h-full rounded-full transition-[width] duration-150', fills[tone])} style={{ width: `${percent}%` }} />
    </div>
  );
}
