// Small inline icon set (heroicons-style outlines, 20px grid) so no icon library ships.
const paths: Record<string, string> = {
  home: 'M3 10.5 10 4l7 6.5M5 9v7h4v-4h2v4h4V9',
  clients: 'M3 17V6a1 1 0 0 1 1-1h5v12M9 17V3h6a1 1 0 0 1 1 1v13M3 17h14M6 8h1M6 11h1M12 6h1M12 9h1M12 12h1',
  contacts: 'M10 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6Zm-6 7a6 6 0 0 1 12 0',
  deals: 'M4 4h3v12H4zM8.5 4h3v8h-3zM13 4h3v5h-3z',
  projects: 'M3 6h14M3 6v10h14V6M3 6l1.5-2.5h4L10 6',
  timeline: 'M10 5v5l3 2M10 17a7 7 0 1 0 0-14 7 7 0 0 0 0 14Z',
  workflow: 'M5 4v4m0 4v4m10-12v12M5 8a2 2 0 1 0 0 4 2 2 0 0 0 0-4Zm0 0h5a3 3 0 0 1 3 3v0',
  settings:
    'M10 12.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5ZM16 10l1.5-1-1.5-3-1.8.4-1.2-1L12.5 3h-5L7 5.4l-1.2 1L4 6 2.5 9 4 10l-1.5 1L4 14l1.8-.4 1.2 1 .5 2.4h5l.5-2.4 1.2-1 1.8.4 1.5-3L16 10Z',
  search: 'M9 15a6 6 0 1 0 0-12 6 6 0 0 0 0 12Zm4.5-1.5L17 17',
  plus: 'M10 4v12M4 10h12',
  chevron: 'M6 8l4 4 4-4',
  logout: 'M12 4h3a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1h-3M8 14l-4-4 4-4M4 10h9',
  duplicate: 'M7 7V4h9v9h-3M4 7h9v9H4z',
  upload: 'M10 13V4m0 0L6.5 7.5M10 4l3.5 3.5M4 14v2h12v-2',
  check: 'M4.5 10.5 8 14l7.5-8',
  files: 'M3 5h5l1.5 2H17v8a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V5Z',
  inbox: 'M3 11h4l1 2h4l1-2h4M3 11l2-6h10l2 6v5H3z',
  calendar: 'M4 5h12a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1Zm-1 4h14M7 3v4M13 3v4',
};

export function Icon({ name, className }: { name: keyof typeof paths | string; className?: string }) {
  return (
    <svg
      viewBox="0 0 20 20"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
      strokeLinecap="round"
      strokeLinejoin="round"
      className={className ?? 'size-4'}
      aria-hidden="true"
    >
      <path d={paths[name] ?? ''} />
    </svg>
  );
}
