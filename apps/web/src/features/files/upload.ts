import { TRPCClientError } from '@trpc/client';
import { errorMessage } from '../../lib/errors.ts';
import { formatBytes } from './format.ts';

/** What files.uploads.create and files.requestLinks.createUpload return: a signed POST policy. */
export interface PresignedUpload {
  uploadId: string;
  method: 'POST';
  url: string;
  /** Form fields sent before the `file` field, in this order. */
  fields: Record<string, string>;
}

/** The store answered the POST with a non-2xx status. */
export class UploadHttpError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(status: number, body: string) {
    super(`Upload failed with status ${status}`);
    this.name = 'UploadHttpError';
    this.status = status;
    this.body = body;
  }
}

export class UploadAbortedError extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'UploadAbortedError';
  }
}

/**
 * POSTs the file to the signed policy as multipart form-data (the fields, then `file`) with
 * XMLHttpRequest, the one browser API that reports upload progress. `signal` aborts it.
 */
export function postToPolicy(
  upload: Pick<PresignedUpload, 'url' | 'fields'>,
  file: Blob,
  onProgress: (loaded: number, total: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new UploadAbortedError());
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', upload.url);
    // A same-origin local store reads the session cookie it does not need; S3 refuses credentials
    // on a wildcard CORS rule, so none are sent.
    xhr.withCredentials = false;
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else reject(new UploadHttpError(xhr.status, xhr.responseText));
    };
    xhr.onerror = () => reject(new UploadHttpError(0, ''));
    xhr.onabort = () => reject(new UploadAbortedError());
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/** The limits a destination announces (a file request; the tenant's caps for staff uploads). */
export interface UploadLimits {
  maxBytes?: number | null | undefined;
  /** MIME types (`application/pdf`), families (`image/*`) or extensions (`.pdf`); empty = any. */
  allowedTypes?: readonly string[] | null | undefined;
}

export function typeAllowed(file: { name: string; type: string }, allowed: readonly string[] | null | undefined): boolean {
  if (!allowed || allowed.length === 0) return true;
  const type = file.type.toLowerCase();
  const name = file.name.toLowerCase();
  // The browser does not know every type: the server sniffs the bytes and decides then.
  if (!type && !allowed.some((rule) => rule.trim().startsWith('.'))) return true;
  return allowed.some((rule) => {
    const r = rule.trim().toLowerCase();
    if (!r) return false;
    if (r.startsWith('.')) return name.endsWith(r);
    if (r.endsWith('/*')) return type.startsWith(r.slice(0, -1));
    if (!r.includes('/')) return name.endsWith(`.${r}`);
    return type === r;
  });
}

/** Why a file cannot be sent to these limits, in words, or null when it can. */
export function checkAgainstLimits(file: File, limits: UploadLimits): string | null {
  if (file.size === 0) return 'This file is empty.';
  if (limits.maxBytes && file.size > limits.maxBytes) {
    return `Too large: ${formatBytes(file.size)}, the limit is ${formatBytes(limits.maxBytes)} per file.`;
  }
  if (!typeAllowed(file, limits.allowedTypes)) {
    return `This type of file is not accepted here${limits.allowedTypes?.length ? ` (allowed: ${describeTypes(limits.allowedTypes)})` : ''}.`;
  }
  return null;
}

/** A friendly name for one allowed type ("PDF", "images", "Word"); several image types read as "images". */
function typeName(type: string): string {
  const t = type.trim().toLowerCase();
  if (t.startsWith('.')) return t.slice(1).toUpperCase();
  if (t === 'application/pdf') return 'PDF';
  if (t.startsWith('image/')) return 'images';
  if (t === 'application/msword' || t.includes('wordprocessingml')) return 'Word';
  if (t === 'application/vnd.ms-excel' || t.includes('spreadsheetml')) return 'Excel';
  if (t === 'application/vnd.ms-powerpoint' || t.includes('presentationml')) return 'PowerPoint';
  if (t === 'text/csv') return 'CSV';
  if (t === 'text/plain') return 'text';
  if (t === 'application/zip') return 'ZIP';
  const sub = t.split('/')[1] ?? t;
  return sub.replace(/^(x-|vnd\.)/, '').toUpperCase();
}

/** "PDF, images, Word" for a list of allowed types (duplicates folded). */
export function describeTypes(types: readonly string[]): string {
  return [...new Set(types.map(typeName))].join(', ');
}

/** The `accept` attribute of a file input for these types. */
export function acceptAttribute(types: readonly string[] | null | undefined): string | undefined {
  if (!types || types.length === 0) return undefined;
  return types.map((t) => (t.includes('/') || t.startsWith('.') ? t : `.${t}`)).join(',');
}

/** A failed step of an upload, in words a person understands. */
export function describeUploadError(error: unknown): string {
  if (error instanceof UploadAbortedError) return 'Cancelled.';
  if (error instanceof UploadHttpError) {
    const body = error.body;
    if (error.status === 413 || /EntityTooLarge|too large|exceeds/i.test(body)) return 'Too large: the file is over the size limit.';
    if (error.status === 0) return 'The upload was interrupted. Check your connection and try again.';
    if (/expired/i.test(body)) return 'The upload link expired. Try again.';
    if (/content.?type|type/i.test(body) && error.status < 500) return 'This type of file is not accepted here.';
    if (error.status === 403 || error.status === 400) return 'The storage refused the upload (the link does not match this file).';
    return 'The storage could not take the file. Try again later.';
  }
  if (error instanceof TRPCClientError) return plainReason(errorMessage(error));
  return error instanceof Error ? error.message : String(error);
}

const reasonWords: Record<string, string> = {
  too_large: 'Too large: the file is over the size limit.',
  size: 'Too large: the file is over the size limit.',
  size_mismatch: 'The file changed size while uploading. Try again.',
  type: 'This type of file is not accepted here.',
  type_refused: 'This type of file is not accepted here.',
  refused_type: 'This type of file is not accepted here.',
  infected: 'Refused: the virus scanner flagged this file.',
  empty: 'This file is empty.',
  expired: 'The upload took too long and expired. Try again.',
};

/** The server's reason for a rejected upload (a code or a sentence), phrased for a person. */
export function plainReason(reason: string | null | undefined): string {
  const text = (reason ?? '').trim();
  if (!text) return 'The file was refused.';
  const known = reasonWords[text.toLowerCase().replace(/[\s-]+/g, '_')];
  if (known) return known;
  if (/infected|virus|malware|eicar/i.test(text)) return `Refused: the virus scanner flagged this file (${text}).`;
  return text;
}
