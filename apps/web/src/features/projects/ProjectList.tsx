import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function ProjectList() {
  return (
    <>
      <PageHeader title="ProjectList" />
      <EmptyState title="Not available yet" />
    </>
  );
}
