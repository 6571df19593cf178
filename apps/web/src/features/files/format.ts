/** 1536 → "1.5 KB" (powers of 1024, one decimal under 10). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value)} ${units[unit]}`;
}

/** Whether the browser can show this type inline (the server serves only these inline). */
export function previewKind(contentType: string | null | undefined): 'image' | 'pdf' | null {
  const type = (contentType ?? '').toLowerCase();
  if (type === 'image/svg+xml') return null;
  if (type.startsWith('image/')) return 'image';
  if (type === 'application/pdf') return 'pdf';
  return null;
}

/** A short label for a content type ("PDF", "PNG", "Word"). */
export function typeLabel(contentType: string | null | undefined, name?: string): string {
  const type = (contentType ?? '').toLowerCase();
  if (type === 'application/pdf') return 'PDF';
  if (type.startsWith('image/')) return type.slice(6).toUpperCase().replace('SVG+XML', 'SVG').replace('JPEG', 'JPG');
  if (type.includes('wordprocessingml') || type === 'application/msword') return 'Word';
  if (type.includes('spreadsheetml') || type === 'application/vnd.ms-excel') return 'Excel';
  if (type.includes('presentationml')) return 'PowerPoint';
  if (type === 'text/csv') return 'CSV';
  if (type.startsWith('text/')) return 'Text';
  if (type === 'application/zip') return 'ZIP';
  const ext = name?.match(/\.([a-z0-9]{1,6})$/i)?.[1];
  return ext ? ext.toUpperCase() : 'File';
}
