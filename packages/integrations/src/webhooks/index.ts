import type { ProviderId, WebhookVerifier } from '@ubos/platform';
import { docusignVerifier } from './docusign.ts';
import { dropboxSignVerifier } from './dropbox-sign.ts';
import { googleVerifier } from './google.ts';
import { microsoftVerifier } from './microsoft.ts';
import { pandadocVerifier } from './pandadoc.ts';
import { quickbooksVerifier } from './quickbooks.ts';
import { xeroVerifier } from './xero.ts';

export { DROPBOX_SIGN_REPLY } from './dropbox-sign.ts';
export { hmacSha256, safeEqual } from './signing.ts';
export { docusignVerifier, dropboxSignVerifier, googleVerifier, microsoftVerifier, pandadocVerifier, quickbooksVerifier, xeroVerifier };

/** The providers that push webhooks, by id (IMAP, SMTP and CalDAV are polled). */
export const webhookVerifiers: Partial<Record<ProviderId, WebhookVerifier>> = {
  docusign: docusignVerifier,
  dropbox_sign: dropboxSignVerifier,
  google: googleVerifier,
  microsoft: microsoftVerifier,
  pandadoc: pandadocVerifier,
  quickbooks: quickbooksVerifier,
  xero: xeroVerifier,
};
