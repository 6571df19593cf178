import { useEffect, useState } from 'react';
import { trpc } from '../../trpc.ts';
import { Input } from '../../ui/index.ts';

/** A type-ahead client chooser backed by crm.clients.list({ q }). */
export function ClientPicker({ value, onChange, id }: { value: string | null; onChange: (id: string | null) => void; id?: string }) {
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [open, setOpen] = useState(false);
  const selected = trpc.crm.clients.get.useQuery({ id: value ?? '' }, { enabled: !!value });
  useEffect(() => {
    const t = setTimeout(() => setQ(text.trim()), 150);
    return () => clearTimeout(t);
  }, [text]);
  const results = trpc.crm.clients.list.useQuery({ q: q || undefined, limit: 8, sort: 'name' }, { enabled: open });
  if (value && selected.data) {
    return (
      <div className="flex h-8 items-center justify-between rounded-md bg-white px-2.5 text-sm shadow-sm ring-1 ring-slate-300">
        <span className="truncate">{selected.data.name}</span>
        <button type="button" className="text-xs text-slate-500 hover:text-slate-800" onClick={() => onChange(null)}>
          Change
        </button>
      </div>
    );
  }
  return (
    <div className="relative">
      <Input
        id={id}
        value={text}
        placeholder="Search clients…"
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        role="combobox"
        aria-expanded={open}
      />
      {open ? (
        <div className="absolute z-10 mt-1 max-h-56 w-full overflow-y-auto rounded-md bg-white py-1 text-sm shadow-lg ring-1 ring-slate-200" role="listbox">
          {results.isPending ? <div className="px-3 py-1.5 text-slate-400">Searching…</div> : null}
          {results.data?.items.length === 0 ? <div className="px-3 py-1.5 text-slate-400">No matching clients</div> : null}
          {results.data?.items.map((c) => (
            <div key={c.id}>
              <button
                type="button"
                role="option"
                aria-selected={false}
                className="block w-full px-3 py-1.5 text-left hover:bg-slate-100"
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => {
                  onChange(c.id);
                  setOpen(false);
                  setText('');
                }}
              >
                {c.name}
                {c.domain ? <span className="ml-2 text-xs text-slate-400">{c.domain}</span> : null}
              </button>
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}
