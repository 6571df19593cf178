import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { errorMessage } from '../../lib/errors.ts';
import { formatDate } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, EmptyState, ErrorState, Field, PageSpinner, QueryState, Textarea } from '../../ui/index.ts';
import { money } from '../agreements/pricing.ts';
import { usePortal } from './PortalShell.tsx';

const statusWords: Record<string, string> = {
  sent: 'Waiting for you',
  viewed: 'Waiting for you',
  accepted: 'Accepted',
  declined: 'Declined',
  draft: 'Being revised',
  expired: 'Expired',
};

/** /portal/:slug/proposals — the proposals the firm sent to this client. */
export default function PortalProposals() {
  const { slug = '' } = useParams();
  const list = trpc.portal.me.proposals.list.useQuery();
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold text-slate-900">Proposals</h1>
      <QueryState query={list} isEmpty={(d) => d.length === 0} empty={<EmptyState title="No proposals yet" description="Proposals sent to you appear here." />}>
        {(rows) => (
          <div className="grid gap-3">
            {rows.map((p) => (
              <Link
                key={p.id}
                to={`/portal/${slug}/proposals/${p.id}`}
                className="block rounded-lg bg-white p-4 shadow-xs ring-1 ring-slate-200 hover:ring-slate-300"
                data-testid="portal-proposal"
              >
                <div className="flex items-center justify-between gap-3">
                  <span className="font-medium text-slate-900">{p.title}</span>
                  <Badge tone={p.status === 'accepted' ? 'green' : p.status === 'declined' ? 'rose' : 'amber'}>{statusWords[p.status] ?? p.status}</Badge>
                </div>
                <p className="mt-1 text-sm text-slate-500">
                  {money(p.totalMinor, p.currency)} · version {p.version} · sent {formatDate(p.sentAt)}
                </p>
              </Link>
            ))}
          </div>
        )}
      </QueryState>
    </>
  );
}

/** /portal/:slug/proposals/:id — read the proposal and accept the version shown, or decline. */
export function PortalProposal() {
  const { id = '' } = useParams();
  const { branding } = usePortal();
  const utils = trpc.useUtils();
  const proposal = trpc.portal.me.proposals.get.useQuery({ proposalId: id });
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState('');
  const refresh = () => {
    void utils.portal.me.proposals.invalidate();
  };
  const accept = trpc.portal.me.proposals.accept.useMutation({ onSuccess: refresh, onError: refresh });
  const decline = trpc.portal.me.proposals.decline.useMutation({ onSuccess: refresh });
  if (proposal.isPending) return <PageSpinner />;
  if (proposal.error) return <ErrorState error={proposal.error} onRetry={() => void proposal.refetch()} />;
  const p = proposal.data;
  const open = (p.status === 'sent' || p.status === 'viewed') && !p.revising;
  return (
    <Card title={p.title} actions={<Badge tone={p.status === 'accepted' ? 'green' : 'slate'}>{statusWords[p.status] ?? p.status}</Badge>}>
      <div className="grid gap-4 p-4" data-testid="portal-proposal-detail">
        {p.sections.map((section, index) => (
          <section key={index}>
            <h2 className="text-base font-semibold text-slate-900">{section.title}</h2>
            <p className="mt-1 whitespace-pre-wrap text-sm leading-6 text-slate-700">{section.body}</p>
          </section>
        ))}
        <table className="w-full text-sm">
          <tbody>
            {p.lines
              .filter((line) => line.selected)
              .map((line, index) => (
                <tr key={index} className="border-t border-slate-100">
                  <td className="py-1.5">{line.description}</td>
                  <td className="py-1.5 text-right text-slate-500">
                    {line.quantity} × {money(line.unitPriceMinor, p.currency)}
                  </td>
                  <td className="py-1.5 text-right tabular-nums">{money(line.totalMinor, p.currency)}</td>
                </tr>
              ))}
            <tr className="border-t border-slate-200 font-semibold">
              <td className="py-1.5">Total</td>
              <td />
              <td className="py-1.5 text-right tabular-nums" data-testid="portal-total">
                {money(p.totals.totalMinor, p.currency)}
              </td>
            </tr>
          </tbody>
        </table>
        <p className="font-mono text-[11px] break-all text-slate-400">
          Version {p.version} · SHA-256 {p.contentHash}
        </p>
        {p.revising ? (
          <p className="rounded-md bg-amber-50 p-3 text-sm text-amber-800">
            The team is revising this proposal; you can accept it once the new version is sent.
          </p>
        ) : null}
        {accept.error || decline.error ? (
          <p className="text-sm text-rose-700" role="alert">
            {errorMessage(accept.error ?? decline.error)}
          </p>
        ) : null}
        {open ? (
          <div className="flex flex-wrap gap-2">
            <Button
              variant="primary"
              className="h-11 px-5"
              style={{ backgroundColor: branding.accent }}
              loading={accept.isPending}
              onClick={() => accept.mutate({ proposalId: p.id, contentHash: p.contentHash })}
            >
              Accept version {p.version}
            </Button>
            <Button className="h-11" onClick={() => setDeclining(!declining)}>
              Decline
            </Button>
          </div>
        ) : null}
        {open && declining ? (
          <div className="grid gap-2">
            <Field label="Tell the team why (optional)">
              <Textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
            </Field>
            <Button
              variant="danger"
              className="h-11"
              loading={decline.isPending}
              onClick={() => decline.mutate({ proposalId: p.id, reason: reason.trim() || null })}
            >
              Decline this proposal
            </Button>
          </div>
        ) : null}
        {p.acceptedAt ? <p className="text-sm text-emerald-700">Accepted on {formatDate(p.acceptedAt)}. Thank you!</p> : null}
      </div>
    </Card>
  );
}
