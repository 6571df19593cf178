import { PageHeader, EmptyState } from '../../ui/index.ts';

export default function Home() {
  return (
    <>
      <PageHeader title="Home" />
      <EmptyState title="Not available yet" />
    </>
  );
}
