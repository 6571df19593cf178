import { cn } from '../lib/cn.ts';

export function Tabs<T extends string>({
  tabs,
  value,
  onChange,
}: {
  tabs: { id: T; label: string; count?: number | undefined }[];
  value: T;
  onChange: (id: T) => void;
}) {
  return (
    <div className="border-b border-slate-200" role="tablist">
      <nav className="-mb-px flex flex-wrap gap-x-5">
        {tabs.map((tab) => (
          <button
            type="button"
            key={tab.id}
            role="tab"
            aria-selected={tab.id === value}
            onClick={() => onChange(tab.id)}
            className={cn(
              'border-b-2 px-0.5 py-2 text-sm font-medium whitespace-nowrap',
              tab.id === value ? 'border-indigo-600 text-indigo-700' : 'border-transparent text-slate-500 hover:border-slate-300 hover:text-slate-700',
            )}
          >
            {tab.label}
            {tab.count !== undefined ? <span className="ml-1.5 rounded-full bg-slate-100 px-1.5 text-xs text-slate-600">{tab.count}</span> : null}
          </button>
        ))}
      </nav>
    </div>
  );
}
