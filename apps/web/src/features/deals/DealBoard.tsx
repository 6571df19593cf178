import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function DealBoard() {
  return (
    <>
      <PageHeader title="DealBoard" />
      <EmptyState title="Not available yet" />
    </>
  );
}
