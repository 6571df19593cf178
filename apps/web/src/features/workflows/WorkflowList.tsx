import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function WorkflowList() {
  return (
    <>
      <PageHeader title="WorkflowList" />
      <EmptyState title="Not available yet" />
    </>
  );
}
