import { TRPCClientError } from '@trpc/client';

export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

interface ErrorData {
  code?: string;
  httpStatus?: number;
  zodIssues?: FieldIssue[] | null;
}

function dataOf(error: unknown): ErrorData | undefined {
  if (error instanceof TRPCClientError) return (error.data ?? undefined) as ErrorData | undefined;
  return undefined;
}

export function errorCode(error: unknown): string | undefined {
  return dataOf(error)?.code;
}

/** Server validation issues (error.data.zodIssues on BAD_REQUEST), keyed by dotted path. */
export function fieldErrors(error: unknown): Record<string, string> {
  const issues = dataOf(error)?.zodIssues ?? [];
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path.join('.');
    if (!(key in out)) out[key] = issue.message;
  }
  return out;
}

/** A message fit for a banner or toast. Hides server internals. */
export function errorMessage(error: unknown): string {
  if (!error) return '';
  const code = errorCode(error);
  if (code === 'INTERNAL_SERVER_ERROR') return 'Something went wrong on our side. Please try again.';
  if (code === 'FORBIDDEN') return 'You do not have permission to do this.';
  if (error instanceof TRPCClientError) {
    // The server says a refused input in words (the issue list's sentences summed up), so the
    // message is fit to show as it is.
    if (error.message.startsWith('Failed to fetch')) return 'Cannot reach the server. Check your connection.';
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** True when the server has no such procedure yet (a domain not built): hide that feature. */
export function isMissingProcedure(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  return errorCode(error) === 'NOT_FOUND' && /No procedure found|No "(query|mutation)"-procedure/i.test(error.message);
}
