// The integration kernel (§7): vault, connections registry, OAuth connect. Re-exported by the package entry.
export * from './contracts.ts';
export { integrationsMigrations } from './migrations.ts';
export type { IntegrationsDB, StoredCredentials } from './db.ts';
export {
  createConnectionHealthStore,
  createWebhookTargetResolver,
  markNeedsReauth,
  saveOAuthConnection,
  setWebhookSecrets,
  toConnectionDto,
  type OAuthConnectionInput,
  type RegistryDeps,
} from './registry.ts';
export {
  completeOAuthCallback,
  ConnectionNeedsReauthError,
  createAccessTokenSource,
  createConnectionServices,
  listOAuthProviders,
  MANAGE_PERMISSION,
  oauthProviderConfig,
  requireVault,
  startOAuth,
  STATE_TTL_MS,
  TokenRefreshError,
  type CallbackResult,
  type FetchLike,
  type OAuthDeps,
  type OAuthProviderConfig,
} from './oauth.ts';
export { rotateVault, type RotationResult } from './rotate.ts';
export { createConnectionSecretStore, type ConnectionSecretStore, type SecretConnectionInput } from './secrets.ts';
export { integrationsRouter } from './router.ts';
export {
  keyIdOf,
  parseVaultKeys,
  Vault,
  VaultDecryptError,
  VaultUnavailableError,
  vaultFromConfig,
  type VaultKey,
  type VaultSubject,
} from './vault.ts';
