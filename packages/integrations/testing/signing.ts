import { createHmac } from 'node:crypto';

/** How the real providers sign, for the fakes' outgoing webhooks. */
export function sign(key: string, message: string | Buffer, encoding: 'base64' | 'hex'): string {
  return createHmac('sha256', key).update(message).digest(encoding);
}

/** A webhook as a provider would send it: what the ingress route and the verifiers receive. */
export interface SignedDelivery {
  headers: Record<string, string>;
  /** Query parameters the provider adds to the configured URL (PandaDoc's signature). */
  query: Record<string, string>;
  body: string;
}
