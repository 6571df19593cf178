// Provider fakes for tests (§9): local HTTP servers on 127.0.0.1 that follow each provider's documented API.
export * from './oauth.ts';
