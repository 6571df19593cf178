import { router, tenantProcedure } from '../trpc/trpc.ts';
import { connectionDto, connectionIdInput, connectionListDto, listConnectionsInput, oauthProviderDto, startOAuthDto, startOAuthInput } from './contracts.ts';
import { listOAuthProviders, MANAGE_PERMISSION, startOAuth } from './oauth.ts';
import { disconnectConnection, getConnection, listConnections, retryConnection } from './registry.ts';

const manage = tenantProcedure.meta({ permission: MANAGE_PERMISSION });

/** platform.integrations.*: the connections registry and OAuth connect (§7). Outputs never carry a secret. */
export const integrationsRouter = router({
  connections: router({
    list: manage
      .input(listConnectionsInput)
      .output(connectionListDto)
      .query(({ ctx, input }) => listConnections(ctx.domain, input)),
    get: manage
      .input(connectionIdInput)
      .output(connectionDto)
      .query(({ ctx, input }) => getConnection(ctx.domain, input.id)),
    disconnect: manage
      .input(connectionIdInput)
      .output(connectionDto)
      .mutation(({ ctx, input }) => disconnectConnection(ctx.domain, input.id)),
    retry: manage
      .input(connectionIdInput)
      .output(connectionDto)
      .mutation(({ ctx, input }) => retryConnection(ctx.domain, input.id)),
  }),
  oauth: router({
    providers: manage.output(oauthProviderDto.array()).query(({ ctx }) => listOAuthProviders(ctx.config)),
    start: manage
      .input(startOAuthInput)
      .output(startOAuthDto)
      .mutation(({ ctx, input }) => startOAuth({ domain: ctx.domain, config: ctx.config, session: ctx.session }, input)),
  }),
});
