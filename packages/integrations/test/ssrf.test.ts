// The SSRF guard refuses every non-public address before a socket opens. These tests never dial
// anything but 127.0.0.1: the resolver and the connector are injected, the connector records what
// the guard would have dialled and only opens sockets to the test's own server on 127.0.0.1.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { testConfig } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  guardedTransport,
  OutboundBlockedError,
  parseAllowList,
  SsrfGuard,
  ssrfGuardFromConfig,
  type Connector,
  type DialTarget,
  type HostResolver,
  type TransportRequest,
} from '../src/index.ts';

const names: Record<string, string[]> = {
  'loopback.test': ['127.0.0.1'],
  'private.test': ['10.0.0.7'],
  'mixed.test': ['93.184.216.34', '192.168.1.20'],
  'public.test': ['93.184.216.34'],
  'origin.test': ['127.0.0.1'],
  'rebind.test': ['127.0.0.1'],
  'v6-mapped.test': ['::ffff:127.0.0.1'],
};
const resolved: string[] = [];
const resolver: HostResolver = async (hostname) => {
  resolved.push(hostname);
  const addresses = names[hostname];
  if (!addresses) throw new Error(`ENOTFOUND ${hostname}`);
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

/** Records every dial; only 127.0.0.1 is ever really connected (and only when the test allows it). */
function recordingConnector(allowRealDial: boolean): { connector: Connector; dialled: DialTarget[] } {
  const dialled: DialTarget[] = [];
  const connector: Connector = (target) => {
    dialled.push(target);
    if (!allowRealDial || target.address !== '127.0.0.1' || target.tls) throw new Error(`test refused to dial ${target.address}:${target.port}`);
    return net.connect({ host: '127.0.0.1', port: target.port });
  };
  return { connector, dialled };
}

const get = (url: string): TransportRequest => ({ method: 'GET', url: new URL(url), headers: {} });

describe('the guard on hosts', () => {
  const guard = new SsrfGuard({ resolver });
  const refused = [
    '127.0.0.1',
    '127.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    '169.254.10.10',
    '0.0.0.0',
    '0.1.2.3',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    '[::ffff:127.0.0.1]',
    '::ffff:10.0.0.1',
    '::127.0.0.1',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    'ff02::1',
    'loopback.test',
    'private.test',
    'mixed.test',
    'v6-mapped.test',
  ];
  for (const host of refused) {
    it(`refuses ${host}`, async () => {
      await expect(guard.vetHost(host)).rejects.toBeInstanceOf(OutboundBlockedError);
    });
  }

  it('passes a public name and returns the address to pin', async () => {
    await expect(guard.vetHost('public.test')).resolves.toEqual({ hostname: 'public.test', address: '93.184.216.34', family: 4 });
    await expect(guard.vetHost('2606:4700::1111')).resolves.toMatchObject({ family: 6 });
  });

  it('says why in words, naming the host and the address', async () => {
    await expect(guard.vetHost('loopback.test')).rejects.toThrow(/loopback\.test \(127\.0\.0\.1\): a loopback address/);
    await expect(guard.vetHost('[::ffff:127.0.0.1]')).rejects.toThrow(/IPv4 address embedded in IPv6 \(127\.0\.0\.1\)/);
  });

  it('allows what the allow-list names (host or CIDR), never a metadata address', async () => {
    const allowing = new SsrfGuard({ resolver, allow: parseAllowList('private.test, 192.168.1.0/24, 169.254.0.0/16') });
    await expect(allowing.vetHost('private.test')).resolves.toMatchObject({ address: '10.0.0.7' });
    await expect(allowing.vetHost('192.168.1.77')).resolves.toMatchObject({ address: '192.168.1.77' });
    await expect(allowing.vetHost('192.168.2.1')).rejects.toThrow(/not in OUTBOUND_ALLOW_HOSTS/);
    await expect(allowing.vetHost('169.254.10.10')).resolves.toMatchObject({ address: '169.254.10.10' });
    await expect(allowing.vetHost('169.254.169.254')).rejects.toThrow(/metadata/);
    await expect(allowing.vetHost('loopback.test')).rejects.toBeInstanceOf(OutboundBlockedError);
  });

  it('refuses an allow-list entry that is neither a name nor a CIDR', () => {
    expect(() => parseAllowList('mail.internal, 10.0.0.0/33')).toThrow(/10\.0\.0\.0\/33/);
    expect(parseAllowList('Mail.Internal, 10.0.0.0/8').hosts.has('mail.internal')).toBe(true);
  });
});

describe('the guarded transport', () => {
  let server: http.Server;
  let port = 0;
  const served: string[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      served.push(request.url ?? '');
      const url = new URL(request.url ?? '/', 'http://origin.test');
      if (url.pathname === '/to-rebind') response.writeHead(302, { location: `http://rebind.test:${port}/secret` }).end();
      else if (url.pathname === '/to-literal') response.writeHead(307, { location: `http://127.0.0.1:${port}/secret` }).end();
      else if (url.pathname === '/to-metadata') response.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else if (url.pathname.startsWith('/hop/')) response.writeHead(302, { location: `/hop/${Number(url.pathname.slice(5)) + 1}` }).end();
      else if (url.pathname === '/to-ok') response.writeHead(303, { location: '/ok' }).end();
      else response.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${request.headers.host}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  for (const url of [
    'http://127.0.0.1/',
    'http://10.0.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:127.0.0.1]/',
    'http://2130706433/',
    'http://loopback.test/',
  ]) {
    it(`refuses ${url} before a socket opens`, async () => {
      const { connector, dialled } = recordingConnector(false);
      const transport = guardedTransport({ guard: new SsrfGuard({ resolver }), connector });
      await expect(transport(get(url))).rejects.toBeInstanceOf(OutboundBlockedError);
      expect(dialled).toEqual([]);
    });
  }

  it('refuses other schemes and credentials in the URL', async () => {
    const { connector, dialled } = recordingConnector(false);
    const transport = guardedTransport({ guard: new SsrfGuard({ resolver }), connector });
    await expect(transport(get('file:///etc/passwd'))).rejects.toThrow(/scheme file:/);
    await expect(transport(get('http://user:pw@public.test/'))).rejects.toThrow(/credentials/);
    expect(dialled).toEqual([]);
  });

  it('dials the vetted address of an allow-listed host, keeping its name for the Host header', async () => {
    const { connector, dialled } = recordingConnector(true);
    const transport = guardedTransport({ guard: new SsrfGuard({ resolver, allow: parseAllowList('origin.test') }), connector });
    const response = await transport(get(`http://origin.test:${port}/to-ok`));
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe(`ok origin.test:${port}`);
    expect(dialled.map((target) => [target.hostname, target.address, target.port])).toEqual([
      ['origin.test', '127.0.0.1', port],
      ['origin.test', '127.0.0.1', port],
    ]);
  });

  it('re-checks every redirect hop: a redirect to a name resolving to loopback is refused before it is dialled', async () => {
    const { connector, dialled } = recordingConnector(true);
    const transport = guardedTransport({ guard: new SsrfGuard({ resolver, allow: parseAllowList('origin.test') }), connector });
    served.length = 0;
    resolved.length = 0;
    await expect(transport(get(`http://origin.test:${port}/to-rebind`))).rejects.toThrow(/rebind\.test \(127\.0\.0\.1\): a loopback address/);
    expect(resolved).toEqual(['origin.test', 'rebind.test']);
    expect(dialled.map((target) => target.hostname)).toEqual(['origin.test']);
    expect(served).toEqual(['/to-rebind']);
  });

  it('refuses a redirect to a loopback literal and to the metadata address', async () => {
    const { connector, dialled } = recordingConnector(true);
    const transport = guardedTransport({ guard: new SsrfGuard({ resolver, allow: parseAllowList('origin.test') }), connector });
    await expect(transport(get(`http://origin.test:${port}/to-literal`))).rejects.toBeInstanceOf(OutboundBlockedError);
    await expect(transport(get(`http://origin.test:${port}/to-metadata`))).rejects.toThrow(/metadata/);
    expect(dialled.map((target) => target.hostname)).toEqual(['origin.test', 'origin.test']);
  });

  it('follows at most 5 redirects', async () => {
    const { connector, dialled } = recordingConnector(true);
    const transport = guardedTransport({ guard: new SsrfGuard({ resolver, allow: parseAllowList('origin.test') }), connector });
    await expect(transport(get(`http://origin.test:${port}/hop/0`))).rejects.toThrow(/more than 5 redirects/);
    expect(dialled).toHaveLength(6);
  });
});

describe('the guard from config', () => {
  it('reads OUTBOUND_ALLOW_HOSTS', async () => {
    await expect(ssrfGuardFromConfig(testConfig(), { resolver }).vetHost('private.test')).rejects.toBeInstanceOf(OutboundBlockedError);
    const guard = ssrfGuardFromConfig(testConfig({ OUTBOUND_ALLOW_HOSTS: 'private.test' }), { resolver });
    await expect(guard.vetHost('private.test')).resolves.toMatchObject({ address: '10.0.0.7' });
  });
});
