import type { ReactElement } from 'react';
import type { RouterOutputs } from '../../trpc.ts';
import { Field, Input, Select } from '../../ui/index.ts';
import { formatDate } from '../../lib/format.ts';

export type CustomField = RouterOutputs['crm']['customFields']['list'][number];

/** Inputs for the organization's custom fields; values keyed by field key. Errors at customFields.<key>. */
export function CustomFieldInputs({
  fields,
  values,
  onChange,
  error,
  renderControl,
}: {
  fields: CustomField[];
  values: Record<string, unknown>;
  onChange: (values: Record<string, unknown>) => void;
  error: unknown;
  /** A richer control for a known field (e.g. a picker for an id); undefined falls back to the type's input. */
  renderControl?: (field: CustomField, value: unknown, set: (value: unknown) => void) => ReactElement<{ id?: string }> | undefined;
}) {
  if (fields.length === 0) return null;
  const set = (key: string, value: unknown) => onChange({ ...values, [key]: value });
  return (
    <div className="grid grid-cols-2 gap-3 border-t border-slate-100 pt-3">
      {fields.map((f) => {
        const value = values[f.key];
        const name = `customFields.${f.key}`;
        let control = renderControl?.(f, value, (v) => set(f.key, v));
        if (!control)
          switch (f.type) {
            case 'boolean':
              control = (
                <Select
                  value={value === true ? 'true' : value === false ? 'false' : ''}
                  onChange={(e) => set(f.key, e.target.value === '' ? null : e.target.value === 'true')}
                >
                  <option value="">—</option>
                  <option value="true">Yes</option>
                  <option value="false">No</option>
                </Select>
              );
              break;
            case 'select':
              control = (
                <Select value={typeof value === 'string' ? value : ''} onChange={(e) => set(f.key, e.target.value || null)}>
                  <option value="">—</option>
                  {f.options.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </Select>
              );
              break;
            case 'multi_select':
              control = (
                <Select
                  multiple
                  className="h-auto min-h-16 py-1"
                  value={Array.isArray(value) ? (value as string[]) : []}
                  onChange={(e) =>
                    set(
                      f.key,
                      [...e.target.selectedOptions].map((o) => o.value),
                    )
                  }
                >
                  {f.options.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </Select>
              );
              break;
            case 'number':
            case 'currency':
              control = (
                <Input
                  type="number"
                  value={typeof value === 'number' ? value : ''}
                  onChange={(e) => set(f.key, e.target.value === '' ? null : Number(e.target.value))}
                />
              );
              break;
            case 'date':
              control = <Input type="date" value={typeof value === 'string' ? value : ''} onChange={(e) => set(f.key, e.target.value || null)} />;
              break;
            default:
              control = (
                <Input
                  type={f.type === 'email' ? 'email' : f.type === 'url' ? 'url' : 'text'}
                  value={typeof value === 'string' ? value : ''}
                  onChange={(e) => set(f.key, e.target.value || null)}
                />
              );
          }
        return (
          <Field key={f.id} label={f.label} name={name} error={error} required={f.required}>
            {control}
          </Field>
        );
      })}
    </div>
  );
}

export function formatCustomValue(field: Pick<CustomField, 'type'>, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  switch (field.type) {
    case 'boolean':
      return value ? 'Yes' : 'No';
    case 'date':
      return typeof value === 'string' ? formatDate(value) : String(value);
    case 'currency':
      return typeof value === 'number' ? value.toLocaleString(undefined, { minimumFractionDigits: 2 }) : String(value);
    case 'multi_select':
      return Array.isArray(value) ? value.join(', ') : String(value);
    default:
      return String(value);
  }
}
