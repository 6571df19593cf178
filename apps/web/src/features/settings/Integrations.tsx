import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Badge, Button, Card, Dialog, EmptyState, QueryState, Table, Td, Th, Tr, useToast } from '../../ui/index.ts';

type Status = 'connected' | 'syncing' | 'degraded' | 'needs_reauth' | 'disconnected';

/** Each status in words, with its badge colour. */
const statusBadge: Record<Status, { label: string; tone: 'green' | 'sky' | 'amber' | 'rose' | 'slate' }> = {
  connected: { label: 'Connected', tone: 'green' },
  syncing: { label: 'Syncing', tone: 'sky' },
  degraded: { label: 'Having trouble', tone: 'amber' },
  needs_reauth: { label: 'Needs reconnecting', tone: 'rose' },
  disconnected: { label: 'Disconnected', tone: 'slate' },
};

interface Connection {
  id: string;
  provider: string;
  providerLabel: string;
  accountLabel: string;
  status: Status;
  lastSuccessAt: string | null;
  lastError: { message: string; code: string | null; at: string } | null;
  consecutiveFailures: number;
  nextRetryAt: string | null;
  breaker: { state: 'closed' | 'open' | 'half_open'; openedAt: string | null };
}

/** What is wrong, in a sentence, and what the fixing action does. */
function problemOf(connection: Connection): string | null {
  if (connection.status === 'needs_reauth') return `${connection.providerLabel} no longer accepts UBOS's sign-in. Reconnect to sign in again.`;
  if (connection.status === 'degraded') {
    const failures = connection.consecutiveFailures === 1 ? '1 call failed' : `${connection.consecutiveFailures} calls in a row failed`;
    const wait = connection.nextRetryAt ? ` UBOS tries again ${formatRelative(connection.nextRetryAt)}.` : '';
    return `${failures}${connection.lastError ? `: ${connection.lastError.message}` : ''}.${wait}`;
  }
  if (connection.lastError) return `Last error ${formatRelative(connection.lastError.at)}: ${connection.lastError.message}`;
  return null;
}

/**
 * Settings → Integrations (§7): every connected account with its health, the action that fixes
 * it, and a Connect button per OAuth provider. Shown to integrations.manage holders only.
 */
export function IntegrationsTab() {
  const toast = useToast();
  const utils = trpc.useUtils();
  const [params, setParams] = useSearchParams();
  const connections = trpc.platform.integrations.connections.list.useQuery({});
  const providers = trpc.platform.integrations.oauth.providers.useQuery();
  const [confirming, setConfirming] = useState<Connection | null>(null);

  // The OAuth callback lands here with ?connected=<provider> or ?error=<sentence>.
  const connected = params.get('connected');
  const callbackError = params.get('error');
  useEffect(() => {
    if (!connected && !callbackError) return;
    if (connected) toast('Connected');
    const next = new URLSearchParams(params);
    next.delete('connected');
    next.delete('connection');
    if (!callbackError) next.delete('error');
    setParams(next, { replace: true });
  }, [connected, callbackError, params, setParams, toast]);

  const start = trpc.platform.integrations.oauth.start.useMutation({
    onSuccess: (result) => window.location.assign(result.authorizeUrl),
    onError: (error) => toast(errorMessage(error), 'error'),
  });
  const retry = trpc.platform.integrations.connections.retry.useMutation({
    onSuccess: () => {
      toast('UBOS will try again now');
      void utils.platform.integrations.connections.list.invalidate();
    },
    onError: (error) => toast(errorMessage(error), 'error'),
  });
  const disconnect = trpc.platform.integrations.connections.disconnect.useMutation({
    onSuccess: (connection) => {
      toast(`${connection.providerLabel} disconnected`);
      setConfirming(null);
      void utils.platform.integrations.connections.list.invalidate();
    },
    onError: (error) => toast(errorMessage(error), 'error'),
  });
  type OAuthProvider = NonNullable<typeof providers.data>[number]['provider'];
  const oauthProvider = (provider: string): OAuthProvider | undefined => providers.data?.find((entry) => entry.provider === provider)?.provider;
  const connect = (provider: OAuthProvider, connectionId?: string) =>
    start.mutate({ provider, origin: window.location.origin, ...(connectionId ? { connectionId } : {}) });

  return (
    <div className="space-y-5">
      {callbackError ? (
        <div
          className="flex items-start justify-between gap-3 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200"
          role="alert"
          data-testid="integration-callback-error"
        >
          <span>{callbackError}</span>
          <Button
            size="sm"
            variant="ghost"
            onClick={() => {
              const next = new URLSearchParams(params);
              next.delete('error');
              setParams(next, { replace: true });
            }}
          >
            Dismiss
          </Button>
        </div>
      ) : null}
      <Card title="Connected accounts">
        <QueryState
          query={connections}
          isEmpty={(d) => d.items.length === 0}
          empty={
            <EmptyState title="No accounts connected yet" description="Connect mail, calendars, e-signature and accounting below; their health shows here." />
          }
        >
          {(data) => (
            <Table>
              <thead>
                <tr>
                  <Th>Provider</Th>
                  <Th>Account</Th>
                  <Th>Status</Th>
                  <Th>Last sync</Th>
                  <Th>Problem</Th>
                  <Th />
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {data.items.map((connection) => {
                  const badge = statusBadge[connection.status];
                  const problem = problemOf(connection);
                  return (
                    <Tr key={connection.id} data-testid="integration-row" data-provider={connection.provider} data-status={connection.status}>
                      <Td className="font-medium text-slate-900">{connection.providerLabel}</Td>
                      <Td>{connection.accountLabel}</Td>
                      <Td>
                        <span data-testid="integration-status">
                          <Badge tone={badge.tone}>{badge.label}</Badge>
                        </span>
                      </Td>
                      <Td className="text-slate-500" title={connection.lastSuccessAt ? formatDateTime(connection.lastSuccessAt) : undefined}>
                        {connection.lastSuccessAt ? formatRelative(connection.lastSuccessAt) : 'Never'}
                      </Td>
                      <Td className="max-w-md text-sm text-slate-600" style={{ whiteSpace: 'normal', minWidth: '16rem' }}>
                        {problem ?? '—'}
                      </Td>
                      <Td className="whitespace-nowrap text-right">
                        {connection.status === 'needs_reauth' && oauthProvider(connection.provider) ? (
                          <Button
                            size="sm"
                            variant="primary"
                            loading={start.isPending}
                            onClick={() => {
                              const provider = oauthProvider(connection.provider);
                              if (provider) connect(provider, connection.id);
                            }}
                          >
                            Reconnect
                          </Button>
                        ) : null}
                        {connection.status === 'degraded' ? (
                          <Button
                            size="sm"
                            variant="primary"
                            loading={retry.isPending && retry.variables?.id === connection.id}
                            onClick={() => retry.mutate({ id: connection.id })}
                          >
                            Retry now
                          </Button>
                        ) : null}
                        <Button size="sm" variant="ghost" onClick={() => setConfirming(connection)}>
                          Disconnect
                        </Button>
                      </Td>
                    </Tr>
                  );
                })}
              </tbody>
            </Table>
          )}
        </QueryState>
      </Card>
      <Card title="Connect an account">
        <QueryState query={providers} isEmpty={(d) => d.length === 0}>
          {(list) => (
            <div className="space-y-3 p-5">
              <p className="max-w-2xl text-sm text-slate-600">
                You sign in at the provider and grant access; UBOS keeps the tokens encrypted and never shows them. Mail servers (IMAP/SMTP) and CalDAV
                calendars are connected from the communications and scheduling settings.
              </p>
              <div className="flex flex-wrap gap-2">
                {list.map((provider) => (
                  <Button
                    key={provider.provider}
                    disabled={!provider.configured || start.isPending}
                    title={provider.configured ? undefined : `${provider.label} is not set up on this server yet (an administrator adds its OAuth client)`}
                    onClick={() => connect(provider.provider)}
                  >
                    Connect {provider.label}
                  </Button>
                ))}
              </div>
              {list.some((provider) => !provider.configured) ? (
                <p className="text-xs text-slate-500">Greyed-out providers need their OAuth client configured on the server first.</p>
              ) : null}
            </div>
          )}
        </QueryState>
      </Card>
      <Dialog
        open={confirming !== null}
        onOpenChange={(open) => (!open ? setConfirming(null) : undefined)}
        title={confirming ? `Disconnect ${confirming.providerLabel}?` : 'Disconnect?'}
        description={
          confirming
            ? `UBOS stops syncing ${confirming.accountLabel} and forgets its sign-in. What was already synced stays. You can connect it again later.`
            : undefined
        }
        footer={
          <>
            <Button onClick={() => setConfirming(null)}>Cancel</Button>
            <Button variant="danger" loading={disconnect.isPending} onClick={() => confirming && disconnect.mutate({ id: confirming.id })}>
              Disconnect
            </Button>
          </>
        }
      >
        <p className="text-sm text-slate-600">Webhooks from this account stop being accepted, and the features that use it show it as disconnected.</p>
      </Dialog>
    </div>
  );
}
