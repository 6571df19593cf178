export { loadConfig, configSchema, ConfigError, isSecureCookie, type Config } from './config.ts';
export { createLogger, redactedPaths, type Logger } from './logger.ts';
export {
  createDatabase,
  withTenant,
  withUser,
  withSystem,
  sql,
  type Database,
  type UntypedDB,
  type TenantScope,
  type Transaction,
  type Kysely,
} from './db/database.ts';
export { runMigrations, type Migration, type MigratableModule, type MigrationResult } from './db/migrations.ts';
export { ensureRoles, ensureDatabase, withCredentials, OWNER_ROLE, APP_ROLE } from './db/roles.ts';
export { platformMigrations } from './platform-migrations.ts';
export { uuidv7 } from './ids.ts';
export { withIdempotency, type IdempotencyScope, type IdempotentResult } from './idempotency.ts';
export {
  defineEvent,
  readEvent,
  eventEnvelopeSchema,
  eventTypePattern,
  type EventContract,
  type EventEnvelope,
  type TypedEvent,
} from './events/envelope.ts';
export { writeEvent, writeEvents, rowToEnvelope, type EventItem, type EventMeta, type OutboxRow } from './events/outbox.ts';
export { readOutbox, countOutbox, type OutboxEvent, type OutboxReadOptions } from './events/outbox-read.ts';
export {
  roles,
  grants,
  isRole,
  definePermissions,
  permissionPattern,
  PermissionCatalog,
  type Role,
  type Permission,
  type PermissionGrants,
  type Access,
} from './auth/permissions.ts';
export { createDomainContext, type DomainContext, type DomainContextInput } from './domain/context.ts';
export type { EntityReferenceKind, ReferenceCheck } from './domain/references.ts';
export { hashLinkToken, newLinkToken } from './link-tokens.ts';
export {
  defineAction,
  ActionRegistry,
  actionNamePattern,
  StillWaiting,
  type ActionSpec,
  type ActionContext,
  type ActionDefinition,
  type AwaitedEvent,
} from './domain/action.ts';
export {
  defineDomain,
  routersOf,
  declaredEventTypes,
  findUndeclaredSubscriptions,
  type DomainSpec,
  type RoutersOf,
  type UndeclaredSubscription,
} from './domain/define-domain.ts';
export { createDomainRuntime, type DomainRuntime, type EventAdminRuntime } from './domain/runtime.ts';
export { requireService, type ConnectionServices, type JobQueue, type KernelServices, type OutboundHostGuard } from './domain/services.ts';
export {
  MAX_DOWNLOAD_URL_SECONDS,
  type BlobHead,
  type BlobStore,
  type PresignGetInput,
  type PresignPostInput,
  type PresignPutInput,
  type PresignedPost,
  type PresignedPut,
  type ScanResult,
  type Scanner,
  MAX_UPLOAD_URL_SECONDS,
  blobKey,
  isValidBlobKey,
} from './blobs/blob-store.ts';
export { LocalBlobStore, BlobRequestError, type LocalBlobStoreOptions, type ReceivedBlob, type ServedBlob } from './blobs/local-store.ts';
export { contentDisposition, effectiveDisposition, essenceOf, isDownloadOnlyType, isInlineSafeType, isValidContentType } from './blobs/serving.ts';
export { S3BlobStore, type S3BlobStoreOptions } from './blobs/s3-store.ts';
export { ClamAvScanner, ScanError, type ClamAvOptions } from './blobs/clamav.ts';
export { SNIFF_BYTES, declaredTypeMatches, inspectBlob, sniffType, type BlobInspection, type SniffedType } from './blobs/inspect.ts';
export { blobOrigins, createBlobServices, type BlobServices } from './blobs/from-config.ts';
export {
  DATABASE_UNAVAILABLE_MESSAGE,
  DomainError,
  NotFoundError,
  isDatabaseUnavailable,
  toTRPCError,
  issuesOf,
  type DomainErrorCode,
  type FieldIssue,
} from './errors.ts';
export { metricsRegistry, procedureCalls, procedureDuration, promClient } from './metrics.ts';
export { MemoryCache, RedisCache, type Cache } from './cache.ts';
export { MemoryRateLimiter, RedisRateLimiter, type RateLimiter, type RateLimitResult } from './rate-limit.ts';
export type { Context, TenantContext, PortalContext, PortalSessionInfo, SessionInfo, CookieJar, CookieOptions, TenantScopeContext } from './trpc/context.ts';
export {
  router,
  mergeRouters,
  createCallerFactory,
  middleware,
  publicProcedure,
  authedProcedure,
  tenantProcedure,
  portalProcedure,
  findUndeclaredProcedures,
  findNulCharacter,
  listProcedures,
  TRPCError,
  type Meta,
  type AnyRouter,
} from './trpc/trpc.ts';
export type { DomainModule, Subscription, DeadLetterFailure, HandlerContext, JobDefinition, JobContext } from './module.ts';
export { platformModule } from './platform-module.ts';
export { migrateDatabase } from './db/migrate-all.ts';
export { createBoss, installQueueSchema, QUEUE_SCHEMA, PgBoss, type CreateBossOptions } from './queue/boss.ts';
export { Relay, type RelayOptions } from './events/relay.ts';
export { Dispatcher, dispatchBatch, jobFor, OUTBOX_CHANNEL, type DispatcherOptions, type DispatchResult } from './events/dispatcher.ts';
export {
  handleEvent,
  notifyDeadLetter,
  startSubscriptionRunner,
  type HandleOutcome,
  type SubscriptionRunner,
  type SubscriptionRunnerOptions,
} from './events/runner.ts';
export {
  collectSubscriptions,
  deadLetterQueueName,
  ensureSubscriptionQueues,
  subscriptionMatches,
  subscriptionDefaults,
  orderingKey,
  type QueueSettings,
} from './events/subscriptions.ts';
export { UpcasterRegistry, readEnvelope, type Upcaster } from './events/upcasting.ts';
export { listDeadLetters, getDeadLetter, redriveDeadLetters, type DeadLetter, type DeadLetterFilter } from './events/dead-letters.ts';
export { replayEvents, type ReplayOptions, type ReplayResult } from './events/replay.ts';
export { pruneOutbox, scheduleRetention, RETENTION_QUEUE, type PruneResult } from './events/retention.ts';
export { eventsAdminRouter, deadLetterSchema } from './events/admin-router.ts';
export { startEventBackbone, type EventBackbone, type EventBackboneOptions } from './events/backbone.ts';
export * as eventMetrics from './events/metrics.ts';
export {
  connectionStatuses,
  providers,
  type AccessTokenSource,
  type BreakerSnapshot,
  type BreakerState,
  type CallOutcome,
  type ConnectionHealthStore,
  type ConnectionRef,
  type ConnectionStatus,
  type ProviderId,
  type VerifiedWebhookEvent,
  type WebhookRequest,
  type WebhookTarget,
  type WebhookTargetResolver,
  type WebhookVerification,
  type WebhookVerifier,
} from './integrations/ports.ts';
export * from './integrations/index.ts';
export * from './webhooks/index.ts';
export { deadLettersRedriven, eventAdminEvents, eventsReplayed } from './events/admin-contracts.ts';
export {
  contextOfTraceparent,
  currentTraceparent,
  recordSpan,
  startSpan,
  startTracing,
  tracingEnabled,
  withSpan,
  SpanKind,
  type OpenSpan,
  type Tracing,
  type TracingOptions,
} from './tracing.ts';
export * from './mail/index.ts';
