import { Card, EmptyState } from '../../ui/index.ts';

export function PipelineTab() {
  return (
    <Card title="Pipeline">
      <EmptyState title="Not available yet" description="This setting arrives with the CRM module." />
    </Card>
  );
}
