// Groups of content types, in words: file requests and Settings → Files choose types by group.

/** Groups of types a person chooses from (the server takes exact MIME types). */
export const typeGroups: { id: string; label: string; types: string[] }[] = [
  { id: 'pdf', label: 'PDF', types: ['application/pdf'] },
  { id: 'images', label: 'Images', types: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/heic'] },
  {
    id: 'office',
    label: 'Word, Excel, PowerPoint',
    types: [
      'application/msword',
      'application/vnd.ms-excel',
      'application/vnd.ms-powerpoint',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
  },
  { id: 'text', label: 'Text and CSV', types: ['text/plain', 'text/csv'] },
  { id: 'svg', label: 'SVG drawings (always downloaded, never shown in place)', types: ['image/svg+xml'] },
  { id: 'zip', label: 'ZIP', types: ['application/zip'] },
];
