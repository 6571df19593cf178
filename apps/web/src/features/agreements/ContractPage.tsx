import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Badge, Button, Card, Dialog, EmptyState, ErrorState, Field, Input, PageHeader, PageSpinner, Table, Td, Th } from '../../ui/index.ts';
import { contractTone, words } from './status.ts';

type Links = RouterOutputs['agreements']['contracts']['send']['links'];

/** /agreements/contracts/:id — status, document, signers, the audit log and the sealed PDF. */
export default function ContractPage() {
  const { id = '' } = useParams();
  const utils = trpc.useUtils();
  const contract = trpc.agreements.contracts.get.useQuery(
    { id },
    { refetchInterval: (q) => (q.state.data?.status === 'signed' && q.state.data.sealState !== 'sealed' ? 2000 : false) },
  );
  const packet = trpc.agreements.packets.get.useQuery({ contractId: id }, { enabled: !!contract.data?.sentAt });
  const sealState = contract.data?.sealState;
  const refetchPacket = packet.refetch;
  // The sealed entry joins the audit log when sealing finishes.
  useEffect(() => {
    if (sealState === 'sealed') void refetchPacket();
  }, [sealState, refetchPacket]);
  const [links, setLinks] = useState<Links | null>(null);
  const [voiding, setVoiding] = useState(false);
  const [reason, setReason] = useState('');
  const send = trpc.agreements.contracts.send.useMutation({
    onSuccess: (result) => {
      setLinks(result.links);
      void utils.agreements.contracts.invalidate();
      void utils.agreements.packets.invalidate();
    },
  });
  const resend = trpc.agreements.contracts.resend.useMutation({
    onSuccess: (link) => {
      setLinks([link]);
      void utils.agreements.packets.invalidate();
    },
  });
  const voidIt = trpc.agreements.contracts.void.useMutation({
    onSuccess: () => {
      setVoiding(false);
      void utils.agreements.contracts.invalidate();
    },
  });
  const download = trpc.useUtils().agreements.contracts.downloadUrl;
  const [downloadError, setDownloadError] = useState<unknown>(null);
  if (contract.isPending) return <PageSpinner />;
  if (contract.error) return <ErrorState error={contract.error} onRetry={() => void contract.refetch()} />;
  const c = contract.data;
  return (
    <>
      <PageHeader
        breadcrumb={<Link to="/agreements?tab=contracts">Agreements · Contracts</Link>}
        title={c.title}
        subtitle={
          <span className="flex items-center gap-2">
            <Badge tone={contractTone[c.status]}>{words(c.status)}</Badge>
            {c.signingOrder === 'sequential' ? 'signed in order' : 'signed in any order'}
            {c.sealState === 'sealed' ? ', sealed PDF in the client files' : c.sealState !== 'none' ? ', sealing the signed PDF…' : ''}
          </span>
        }
        actions={
          <>
            {c.sealState === 'sealed' ? (
              <Button
                variant="primary"
                onClick={async () => {
                  try {
                    const link = await download.fetch({ id: c.id });
                    window.open(link.url, '_blank', 'noopener');
                  } catch (error) {
                    setDownloadError(error);
                  }
                }}
              >
                Download signed PDF
              </Button>
            ) : null}
            {['draft', 'out_for_signature', 'partially_signed'].includes(c.status) ? (
              <Button variant="ghost" onClick={() => setVoiding(true)}>
                Void
              </Button>
            ) : null}
            {c.status === 'draft' ? (
              <Button variant="primary" loading={send.isPending} disabled={c.missingFields.length > 0} onClick={() => send.mutate({ id: c.id })}>
                Send for signature
              </Button>
            ) : null}
          </>
        }
      />
      {c.missingFields.length > 0 ? (
        <p className="mb-3 rounded-md bg-amber-50 p-3 text-sm text-amber-800">
          This contract uses {c.missingFields.map((f) => `{{${f}}}`).join(', ')} without a value; it cannot be sent.
        </p>
      ) : null}
      {send.error || resend.error || downloadError ? (
        <p className="mb-3 rounded-md bg-rose-50 p-3 text-sm text-rose-700" role="alert">
          {errorMessage(send.error ?? resend.error ?? downloadError)}
        </p>
      ) : null}
      {c.sealError && c.sealState !== 'sealed' ? (
        <p className="mb-3 rounded-md bg-amber-50 p-3 text-sm text-amber-800">Sealing will be tried again: {c.sealError}</p>
      ) : null}
      <div className="grid gap-4 xl:grid-cols-[3fr_2fr]">
        <Card title="Document">
          <div className="grid gap-4 p-4">
            {c.sections.map((section, index) => (
              <section key={index}>
                <h3 className="text-sm font-semibold text-slate-900">{section.title}</h3>
                <p className="mt-1 whitespace-pre-wrap text-sm text-slate-700">{section.body}</p>
              </section>
            ))}
            {c.documentHash ? <p className="font-mono text-xs break-all text-slate-400">Document SHA-256 {c.documentHash}</p> : null}
            {c.sealedSha256 ? <p className="font-mono text-xs break-all text-slate-400">Sealed PDF SHA-256 {c.sealedSha256}</p> : null}
          </div>
        </Card>
        <div className="grid content-start gap-4">
          <Card title="Signers">
            <ul className="divide-y divide-slate-100 text-sm" data-testid="signers">
              {c.signers.map((s) => (
                <li key={s.id} className="flex items-center justify-between px-4 py-2">
                  <span>
                    {s.position}. {s.name} <span className="text-slate-400">{s.email}</span>
                  </span>
                  <span className="flex items-center gap-2">
                    {s.status === 'pending' && ['out_for_signature', 'partially_signed'].includes(c.status) ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        loading={resend.isPending && resend.variables?.signerId === s.id}
                        onClick={() => resend.mutate({ id: c.id, signerId: s.id })}
                      >
                        Resend link
                      </Button>
                    ) : null}
                    <Badge tone={s.status === 'signed' ? 'green' : s.status === 'declined' ? 'rose' : 'slate'}>
                      {s.status === 'signed' ? `signed ${formatDateTime(s.signedAt)}` : s.status}
                    </Badge>
                  </span>
                </li>
              ))}
            </ul>
          </Card>
          <Card
            title="Audit log"
            actions={
              packet.data ? (
                <Badge tone={packet.data.chain.valid ? 'green' : 'rose'}>
                  {packet.data.chain.valid ? 'chain verified' : `entry ${packet.data.chain.brokenSeq} altered`}
                </Badge>
              ) : null
            }
          >
            {!c.sentAt ? (
              <EmptyState title="Not sent yet" description="The log starts when the contract goes out for signature." />
            ) : packet.error ? (
              <ErrorState error={packet.error} onRetry={() => void packet.refetch()} />
            ) : (
              <Table>
                <thead>
                  <tr>
                    <Th>#</Th>
                    <Th>What</Th>
                    <Th>Who</Th>
                    <Th>When</Th>
                  </tr>
                </thead>
                <tbody>
                  {packet.data?.audit.map((e) => (
                    <tr key={e.seq}>
                      <Td>{e.seq}</Td>
                      <Td>{e.type}</Td>
                      <Td>
                        {e.actorName ?? 'system'}
                        {e.ip ? <span className="ml-1 text-xs text-slate-400">{e.ip}</span> : null}
                      </Td>
                      <Td>{formatDateTime(e.at)}</Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
          </Card>
        </div>
      </div>
      <Dialog
        open={links !== null}
        onOpenChange={(open) => (open ? null : setLinks(null))}
        title="Sent for signature"
        description="Each signer was emailed their own link. The links are shown this once."
      >
        <ul className="grid gap-3 text-sm">
          {links?.map((link) => (
            <li key={link.signerId}>
              <div className="font-medium">{link.name}</div>
              <Input
                readOnly
                value={new URL(link.url, window.location.origin).toString()}
                aria-label={`Signing link of ${link.name}`}
                data-testid="signing-link"
                onFocus={(e) => e.target.select()}
              />
            </li>
          ))}
        </ul>
      </Dialog>
      <Dialog
        open={voiding}
        onOpenChange={setVoiding}
        title="Void this contract?"
        description="Signers can no longer sign it."
        footer={
          <Button variant="danger" loading={voidIt.isPending} disabled={!reason.trim()} onClick={() => voidIt.mutate({ id: c.id, reason: reason.trim() })}>
            Void contract
          </Button>
        }
      >
        <Field label="Reason" error={voidIt.error} name="reason">
          <Input value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
      </Dialog>
    </>
  );
}
