// Provider fakes (ARCHITECTURE.md §7): local HTTP servers on 127.0.0.1 that follow each provider's
// documented API closely enough for the adapters, and sign their webhooks with the real schemes.
export * from './fake-server.ts';
export * from './signing.ts';
export * from './docusign.ts';
export * from './dropbox-sign.ts';
export * from './pandadoc.ts';
export * from './quickbooks.ts';
export * from './xero.ts';
export * from './oauth.ts';
export * from './gmail.ts';
export * from './google-calendar.ts';
export * from './microsoft-graph.ts';
export * from './oauth.ts';
