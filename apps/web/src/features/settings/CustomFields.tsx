import { Card, EmptyState } from '../../ui/index.ts';

export function CustomFieldsTab() {
  return (
    <Card title="CustomFields">
      <EmptyState title="Not available yet" description="This setting arrives with the CRM module." />
    </Card>
  );
}
