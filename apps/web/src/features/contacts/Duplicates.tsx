import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function Duplicates() {
  return (
    <>
      <PageHeader title="Duplicates" />
      <EmptyState title="Not available yet" />
    </>
  );
}
