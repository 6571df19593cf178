import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function ClientList() {
  return (
    <>
      <PageHeader title="ClientList" />
      <EmptyState title="Not available yet" />
    </>
  );
}
