import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function WorkflowEditor() {
  return (
    <>
      <PageHeader title="WorkflowEditor" />
      <EmptyState title="Not available yet" />
    </>
  );
}
