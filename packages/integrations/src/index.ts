// Provider adapters' shared pieces (ARCHITECTURE.md §7): the outbound HTTP client, the SSRF guard
// and the webhook verifiers. Provider fakes for tests are in ./testing.
export * from './http/client.ts';
export * from './http/memory-health-store.ts';
export * from './http/retry.ts';
export * from './http/ssrf.ts';
export * from './http/transport.ts';
export * from './webhooks/index.ts';
