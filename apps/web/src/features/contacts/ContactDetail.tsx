import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function ContactDetail() {
  return (
    <>
      <PageHeader title="ContactDetail" />
      <EmptyState title="Not available yet" />
    </>
  );
}
