import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard (ARCHITECTURE.md §7) for every host or URL a tenant can configure (IMAP/SMTP/CalDAV
 * hosts, webhook targets): resolve the name, refuse every address that is not public unicast
 * (loopback, RFC 1918, CGNAT, link-local, unique-local, cloud metadata, 0.0.0.0/8, multicast,
 * broadcast, reserved, IPv4 embedded in IPv6), and hand back the vetted address so the caller
 * connects to exactly that address: a second DNS answer (rebinding) never reaches a socket.
 * Self-hosters whose mail or calendar server sits on a private network name it (or its CIDR) in an
 * explicit allow-list (`OUTBOUND_ALLOW_HOSTS`).
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (default: dns.lookup with `all`). Injected in tests. */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));
};

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Host names and CIDRs a deployment explicitly allows although they are not public. */
export interface OutboundAllowList {
  hosts: ReadonlySet<string>;
  cidrs: readonly (readonly [Address, number])[];
}

export const emptyAllowList: OutboundAllowList = { hosts: new Set(), cidrs: [] };

/**
 * Parses `OUTBOUND_ALLOW_HOSTS`: a comma-separated list of host names (`mail.internal`) and CIDRs
 * or single addresses (`10.1.2.0/24`, `192.168.1.5`, `fd12::/64`). An entry that is neither is
 * refused with its text, so a typo does not silently allow nothing.
 */
export function parseAllowList(value: string | undefined): OutboundAllowList {
  const hosts = new Set<string>();
  const cidrs: (readonly [Address, number])[] = [];
  for (const raw of (value ?? '').split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry.length === 0) continue;
    if (ipaddr.isValidCIDR(entry)) {
      cidrs.push(ipaddr.parseCIDR(entry));
    } else if (ipaddr.isValid(entry)) {
      const address = ipaddr.parse(entry);
      cidrs.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry)) {
      hosts.add(entry);
    } else {
      throw new Error(`OUTBOUND_ALLOW_HOSTS: "${raw.trim()}" is neither a host name nor an address or CIDR`);
    }
  }
  return { hosts, cidrs };
}

/** Cloud metadata endpoints: refused even when an allow-list would cover them. */
const METADATA = [ipaddr.parse('169.254.169.254'), ipaddr.parse('fd00:ec2::254')];

/** The IPv4 address an IPv6 address carries (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, RFC 6145), if any. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const parts = address.parts;
  const [p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0] = parts;
  const high = p0 === 0 && p1 === 0 && p2 === 0 && p3 === 0;
  const isMapped = high && p4 === 0 && p5 === 0xffff;
  const isTranslated = high && p4 === 0xffff && p5 === 0;
  const isCompatible = high && p4 === 0 && p5 === 0 && (p6 !== 0 || p7 > 1);
  if (!isMapped && !isTranslated && !isCompatible) return null;
  return new ipaddr.IPv4([p6 >> 8, p6 & 0xff, p7 >> 8, p7 & 0xff]);
}

/** Why an address is refused, or null when it is public unicast. */
export function blockedReason(address: Address): string | null {
  if (METADATA.some((metadata) => metadata.kind() === address.kind() && metadata.toNormalizedString() === address.toNormalizedString())) {
    return 'a cloud metadata address';
  }
  if (address.kind() === 'ipv6') {
    const v4 = embeddedIPv4(address as ipaddr.IPv6);
    if (v4) return `an IPv4 address embedded in IPv6 (${v4.toString()})`;
  }
  const range = address.range();
  return range === 'unicast' ? null : `a ${range} address`;
}

export class OutboundBlockedError extends Error {
  readonly host: string;
  readonly address: string | null;
  constructor(host: string, address: string | null, reason: string) {
    super(`Refused to connect to ${host}${address && address !== host ? ` (${address})` : ''}: ${reason}`);
    this.name = 'OutboundBlockedError';
    this.host = host;
    this.address = address;
  }
}

export interface VettedHost {
  /** The name as configured (no brackets), used for the Host header and TLS SNI. */
  hostname: string;
  /** The one address the caller connects to. */
  address: string;
  family: 4 | 6;
}

export interface SsrfGuardOptions {
  resolver?: HostResolver;
  allow?: OutboundAllowList;
}

export class SsrfGuard {
  private readonly resolver: HostResolver;
  private readonly allow: OutboundAllowList;

  constructor(options: SsrfGuardOptions = {}) {
    this.resolver = options.resolver ?? systemResolver;
    this.allow = options.allow ?? emptyAllowList;
  }

  private allowedByCidr(address: Address): boolean {
    return this.allow.cidrs.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
  }

  private check(host: string, address: Address, hostAllowed: boolean): void {
    const reason = blockedReason(address);
    if (reason === null) return;
    if (reason === 'a cloud metadata address') throw new OutboundBlockedError(host, address.toString(), reason);
    if (hostAllowed || this.allowedByCidr(address)) return;
    throw new OutboundBlockedError(host, address.toString(), `${reason}, and it is not in OUTBOUND_ALLOW_HOSTS`);
  }

  /**
   * Resolves `host` and returns the address to connect to, or throws OutboundBlockedError. Every
   * address the name resolves to must pass (a name with one public and one private answer is refused),
   * so which answer a later lookup would return does not matter: the caller dials the returned one.
   */
  async vetHost(rawHost: string): Promise<VettedHost> {
    const hostname = rawHost
      .trim()
      .replace(/^\[(.*)\]$/, '$1')
      .toLowerCase();
    if (hostname.length === 0) throw new OutboundBlockedError(rawHost, null, 'the host is empty');
    const hostAllowed = this.allow.hosts.has(hostname);
    if (ipaddr.isValid(hostname)) {
      const literal = ipaddr.parse(hostname);
      this.check(hostname, literal, hostAllowed);
      return { hostname, address: literal.toString(), family: literal.kind() === 'ipv4' ? 4 : 6 };
    }
    let answers: readonly ResolvedAddress[];
    try {
      answers = await this.resolver(hostname);
    } catch (error) {
      throw new OutboundBlockedError(hostname, null, `the name did not resolve (${error instanceof Error ? error.message : String(error)})`);
    }
    if (answers.length === 0) throw new OutboundBlockedError(hostname, null, 'the name has no address');
    const parsed = answers.map((answer) => {
      if (!ipaddr.isValid(answer.address)) throw new OutboundBlockedError(hostname, answer.address, 'the resolver returned no valid address');
      return ipaddr.parse(answer.address);
    });
    for (const address of parsed) this.check(hostname, address, hostAllowed);
    const first = parsed[0] as Address;
    return { hostname, address: first.toString(), family: first.kind() === 'ipv4' ? 4 : 6 };
  }

  /** Vets an http(s) URL's host; any other scheme, or credentials in the URL, are refused. */
  async vetUrl(url: URL): Promise<VettedHost> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundBlockedError(url.host, null, `the scheme ${url.protocol} is not allowed`);
    if (url.username || url.password) throw new OutboundBlockedError(url.host, null, 'credentials in the URL are not allowed');
    return this.vetHost(url.hostname);
  }
}

/** The guard a deployment configures: `OUTBOUND_ALLOW_HOSTS` as the allow-list, the system resolver. */
export function ssrfGuardFromConfig(config: { OUTBOUND_ALLOW_HOSTS: string }, options: { resolver?: HostResolver } = {}): SsrfGuard {
  return new SsrfGuard({ allow: parseAllowList(config.OUTBOUND_ALLOW_HOSTS), ...(options.resolver ? { resolver: options.resolver } : {}) });
}
