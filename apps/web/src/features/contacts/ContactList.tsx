import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function ContactList() {
  return (
    <>
      <PageHeader title="ContactList" />
      <EmptyState title="Not available yet" />
    </>
  );
}
