import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function ImportWizard() {
  return (
    <>
      <PageHeader title="ImportWizard" />
      <EmptyState title="Not available yet" />
    </>
  );
}
