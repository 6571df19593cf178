import { useRef } from 'react';
import { Button, Input, Textarea } from '../../ui/index.ts';

export interface SectionDraft {
  title: string;
  body: string;
}

/** The merge fields offered by the picker: the built-in ones and what crm provides through the builder. */
export const MERGE_FIELDS = [
  { name: 'client.name', label: 'Client name' },
  { name: 'contact.first_name', label: 'Contact first name' },
  { name: 'contact.name', label: 'Contact full name' },
  { name: 'contact.email', label: 'Contact email' },
  { name: 'engagement.name', label: 'Engagement name' },
  { name: 'today', label: "Today's date", builtIn: true },
  { name: 'proposal.title', label: 'Proposal title', builtIn: true },
  { name: 'proposal.total', label: 'Proposal total', builtIn: true },
  { name: 'pricing_table', label: 'Pricing table', builtIn: true },
  { name: 'payment_schedule', label: 'Payment schedule', builtIn: true },
] as const;

export const BUILT_IN = new Set<string>(MERGE_FIELDS.filter((f) => 'builtIn' in f).map((f) => f.name));

const FIELD = /\{\{\s*([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\s*\}\}/g;

/** The fields a text uses, in order. */
export function fieldsIn(sections: readonly SectionDraft[]): string[] {
  const seen: string[] = [];
  for (const s of sections) for (const m of `${s.title}\n${s.body}`.matchAll(FIELD)) if (m[1] && !seen.includes(m[1])) seen.push(m[1]);
  return seen;
}

/** The preview as the client will read it: values filled, shown as text (React escapes it). */
export function fill(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(FIELD, (_whole, name: string) => values[name] ?? `[${name}?]`);
}

export function SectionsEditor({ sections, onChange }: { sections: SectionDraft[]; onChange: (next: SectionDraft[]) => void }) {
  const refs = useRef<(HTMLTextAreaElement | null)[]>([]);
  const update = (index: number, patch: Partial<SectionDraft>) => onChange(sections.map((s, i) => (i === index ? { ...s, ...patch } : s)));
  const insert = (index: number, name: string) => {
    const area = refs.current[index];
    const section = sections[index];
    if (!section) return;
    const at = area?.selectionStart ?? section.body.length;
    const token = `{{${name}}}`;
    update(index, { body: `${section.body.slice(0, at)}${token}${section.body.slice(area?.selectionEnd ?? at)}` });
    requestAnimationFrame(() => {
      area?.focus();
      area?.setSelectionRange(at + token.length, at + token.length);
    });
  };
  return (
    <div className="grid gap-4">
      {sections.map((section, index) => (
        <div key={index} className="rounded-md border border-slate-200 p-3" data-testid="section-editor">
          <div className="mb-2 flex items-center gap-2">
            <Input
              aria-label={`Section ${index + 1} title`}
              value={section.title}
              onChange={(e) => update(index, { title: e.target.value })}
              placeholder="Section title"
            />
            <Button size="sm" variant="ghost" aria-label={`Remove section ${index + 1}`} onClick={() => onChange(sections.filter((_, i) => i !== index))}>
              Remove
            </Button>
          </div>
          <Textarea
            ref={(el) => {
              refs.current[index] = el;
            }}
            aria-label={`Section ${index + 1} text`}
            rows={5}
            value={section.body}
            onChange={(e) => update(index, { body: e.target.value })}
          />
          <fieldset className="mt-2 flex flex-wrap items-center gap-1" aria-label="Insert a merge field">
            <legend className="sr-only">Insert a merge field</legend>
            <span className="mr-1 text-xs text-slate-500">Insert:</span>
            {MERGE_FIELDS.map((field) => (
              <button
                key={field.name}
                type="button"
                className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700 hover:bg-indigo-50 hover:text-indigo-700 focus-visible:outline-2 focus-visible:outline-indigo-600"
                onClick={() => insert(index, field.name)}
                title={`{{${field.name}}}`}
              >
                {field.label}
              </button>
            ))}
          </fieldset>
        </div>
      ))}
      <div>
        <Button size="sm" onClick={() => onChange([...sections, { title: 'New section', body: '' }])}>
          Add a section
        </Button>
      </div>
    </div>
  );
}

/** Read-only preview of sections with values filled. */
export function SectionsPreview({ sections, values }: { sections: readonly SectionDraft[]; values: Readonly<Record<string, string>> }) {
  return (
    <div className="grid gap-4" data-testid="preview">
      {sections.map((section, index) => (
        <section key={index}>
          <h3 className="text-sm font-semibold text-slate-900">{fill(section.title, values)}</h3>
          <p className="mt-1 whitespace-pre-wrap text-sm text-slate-700">{fill(section.body, values)}</p>
        </section>
      ))}
    </div>
  );
}
