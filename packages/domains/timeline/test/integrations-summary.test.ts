import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@ubos/platform';
import { summarize } from '../src/summary.ts';

/** The integrations registry's events (§7) read as sentences on the timeline. */
describe('timeline summaries of platform.integrations events', () => {
  const base = { connection_id: uuidv7(), provider: 'quickbooks', account_label: 'Northwind Books' };

  it('names the provider, the account and what happened', () => {
    expect(summarize('platform.integrations.connection.connected', { ...base, scopes: [], reconnected: false })).toBe(
      'QuickBooks Online connected: Northwind Books',
    );
    expect(summarize('platform.integrations.connection.connected', { ...base, scopes: [], reconnected: true })).toBe(
      'QuickBooks Online reconnected: Northwind Books',
    );
    expect(summarize('platform.integrations.connection.needs_reauth', { ...base, reason: 'invalid_grant' })).toBe(
      'QuickBooks Online needs reconnecting: Northwind Books',
    );
    expect(summarize('platform.integrations.connection.disconnected', base)).toBe('QuickBooks Online disconnected: Northwind Books');
    expect(
      summarize('platform.integrations.connection.degraded', {
        ...base,
        error_message: 'QuickBooks answered 503',
        error_code: 'http_503',
        consecutive_failures: 5,
      }),
    ).toBe('QuickBooks Online is failing (Northwind Books): QuickBooks answered 503');
    expect(summarize('platform.integrations.connection.recovered', base)).toBe('QuickBooks Online works again: Northwind Books');
    expect(summarize('platform.integrations.connection.retry_requested', base)).toBe('Retry requested for QuickBooks Online: Northwind Books');
    expect(summarize('platform.integrations.oauth.started', { attempt_id: uuidv7(), provider: 'google', connection_id: null })).toBe(
      'Started connecting Google',
    );
  });
});
