import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function Settings() {
  return (
    <>
      <PageHeader title="Settings" />
      <EmptyState title="Not available yet" />
    </>
  );
}
