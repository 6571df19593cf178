import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function ProjectBoard() {
  return (
    <>
      <PageHeader title="ProjectBoard" />
      <EmptyState title="Not available yet" />
    </>
  );
}
