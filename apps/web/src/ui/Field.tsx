import { cloneElement, isValidElement, useId, type ReactElement, type ReactNode } from 'react';
import { fieldErrors } from '../lib/errors.ts';

export interface FieldProps {
  label: string;
  /** Dotted path of this field in the procedure input, matched against error.data.zodIssues. */
  name?: string;
  /** The mutation error (server issues are looked up by `name`) or a plain message. */
  error?: unknown;
  hint?: ReactNode;
  required?: boolean;
  children: ReactElement<{ id?: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string; name?: string }>;
  className?: string;
}

/** Label + control + hint + the server's validation message for this field. */
export function Field({ label, name, error, hint, required, children, className }: FieldProps) {
  const id = useId();
  const message = typeof error === 'string' ? error : name && error ? fieldErrors(error)[name] : undefined;
  const describedBy = message ? `${id}-error` : hint ? `${id}-hint` : undefined;
  const control = isValidElement(children)
    ? cloneElement(children, {
        id,
        ...(name ? { name } : {}),
        ...(message ? { 'aria-invalid': true } : {}),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })
    : children;
  return (
    <div className={className}>
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-slate-700">
        {label}
        {required ? <span className="text-rose-500"> *</span> : null}
      </label>
      {control}
      {message ? (
        <p id={`${id}-error`} className="mt-1 text-xs text-rose-600" role="alert" data-field-error={name}>
          {message}
        </p>
      ) : hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** Issues that belong to no visible field (e.g. a root-level rule), shown above the form. */
export function FormError({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (!error) return null;
  const issues = fieldErrors(error);
  const unmatched = Object.entries(issues).filter(([k]) => !fields.includes(k));
  const hasFieldIssues = Object.keys(issues).some((k) => fields.includes(k));
  let message: string | null = null;
  if (unmatched.length > 0) message = unmatched.map(([k, v]) => (k ? `${k}: ${v}` : v)).join(' · ');
  else if (!hasFieldIssues) message = error instanceof Error ? error.message : String(error);
  if (!message) return null;
  return (
    <div className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200" role="alert">
      {message}
    </div>
  );
}
