import { Link, useNavigate, useSearchParams } from 'react-router';
import { formatDate } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, EmptyState, PageHeader, QueryState, Table, Tabs, Td, Th, Tr } from '../../ui/index.ts';
import { money } from './pricing.ts';
import { contractTone, proposalTone, words } from './status.ts';

type Tab = 'proposals' | 'contracts' | 'templates';

/** /agreements — proposals, contracts and templates of the organization. */
export default function AgreementsPage() {
  const [params, setParams] = useSearchParams();
  const tab = (['proposals', 'contracts', 'templates'].includes(params.get('tab') ?? '') ? params.get('tab') : 'proposals') as Tab;
  const navigate = useNavigate();
  return (
    <>
      <PageHeader
        title="Agreements"
        subtitle="Proposals your clients accept, contracts they sign"
        actions={
          tab === 'templates' ? (
            <Button variant="primary" onClick={() => navigate('/agreements/templates/new')}>
              New template
            </Button>
          ) : (
            <Button variant="primary" onClick={() => navigate('/agreements/proposals/new')}>
              New proposal
            </Button>
          )
        }
      />
      <Tabs
        tabs={[
          { id: 'proposals', label: 'Proposals' },
          { id: 'contracts', label: 'Contracts' },
          { id: 'templates', label: 'Templates' },
        ]}
        value={tab}
        onChange={(next) => setParams({ tab: next })}
      />
      <Card className="mt-4">{tab === 'proposals' ? <Proposals /> : tab === 'contracts' ? <Contracts /> : <Templates />}</Card>
    </>
  );
}

function Proposals() {
  const list = trpc.agreements.proposals.list.useQuery({ limit: 100 });
  const navigate = useNavigate();
  return (
    <QueryState
      query={list}
      isEmpty={(d) => d.length === 0}
      empty={<EmptyState title="No proposals yet" description="Build one from a template, price it and send it to the client." />}
    >
      {(rows) => (
        <Table>
          <thead>
            <tr>
              <Th>Title</Th>
              <Th>Status</Th>
              <Th>Version</Th>
              <Th className="text-right">Total</Th>
              <Th>Updated</Th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <Tr key={p.id} onClick={() => navigate(`/agreements/proposals/${p.id}`)}>
                <Td>
                  <Link to={`/agreements/proposals/${p.id}`} className="font-medium text-slate-900 hover:underline">
                    {p.title}
                  </Link>
                </Td>
                <Td>
                  <Badge tone={proposalTone[p.status]}>{words(p.status)}</Badge>
                </Td>
                <Td>v{p.currentVersion}</Td>
                <Td className="text-right tabular-nums">{money(p.totalMinor, p.currency)}</Td>
                <Td>{formatDate(p.updatedAt)}</Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </QueryState>
  );
}

function Contracts() {
  const list = trpc.agreements.contracts.list.useQuery({ limit: 100 });
  const navigate = useNavigate();
  return (
    <QueryState
      query={list}
      isEmpty={(d) => d.length === 0}
      empty={<EmptyState title="No contracts yet" description="Make one from an accepted proposal, or on its own." />}
    >
      {(rows) => (
        <Table>
          <thead>
            <tr>
              <Th>Title</Th>
              <Th>Status</Th>
              <Th>Sealed PDF</Th>
              <Th>Updated</Th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <Tr key={c.id} onClick={() => navigate(`/agreements/contracts/${c.id}`)}>
                <Td>
                  <Link to={`/agreements/contracts/${c.id}`} className="font-medium text-slate-900 hover:underline">
                    {c.title}
                  </Link>
                </Td>
                <Td>
                  <Badge tone={contractTone[c.status]}>{words(c.status)}</Badge>
                </Td>
                <Td>{c.sealState === 'sealed' ? 'Stored in the client files' : c.sealState === 'none' ? '—' : 'Sealing…'}</Td>
                <Td>{formatDate(c.updatedAt)}</Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </QueryState>
  );
}

function Templates() {
  const list = trpc.agreements.templates.list.useQuery({ includeArchived: false });
  const navigate = useNavigate();
  return (
    <QueryState
      query={list}
      isEmpty={(d) => d.length === 0}
      empty={<EmptyState title="No templates yet" description="A template holds the sections you reuse, with merge fields." />}
    >
      {(rows) => (
        <Table>
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Kind</Th>
              <Th>Merge fields</Th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <Tr key={t.id} onClick={() => navigate(`/agreements/templates/${t.id}`)}>
                <Td>
                  <Link to={`/agreements/templates/${t.id}`} className="font-medium text-slate-900 hover:underline">
                    {t.name}
                  </Link>
                </Td>
                <Td>{t.kind}</Td>
                <Td className="text-xs text-slate-500">{t.fields.join(', ') || '—'}</Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </QueryState>
  );
}
