import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function ClientProfile() {
  return (
    <>
      <PageHeader title="ClientProfile" />
      <EmptyState title="Not available yet" />
    </>
  );
}
