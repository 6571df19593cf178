import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function TimelinePage() {
  return (
    <>
      <PageHeader title="TimelinePage" />
      <EmptyState title="Not available yet" />
    </>
  );
}
