import { randomUUID } from 'node:crypto';
import { postWebhook, startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from './fake-server.ts';
import { sign, type SignedDelivery } from './signing.ts';

/**
 * Xero Accounting API under `/api.xro/2.0` (the `xero-tenant-id` header names the organisation):
 * Contacts, Invoices (ACCREC sales invoices and ACCPAY bills) and Payments, created with PUT or POST
 * of `{ Contacts: [...] }` etc. The `Idempotency-Key` header: a write repeated with the same key
 * answers the original response and creates nothing. Webhooks are signed `x-xero-signature` (base64
 * HMAC-SHA256 of the body under the webhook key); `intentToReceive` runs Xero's check (a correctly
 * signed empty payload must get 200, a wrongly signed one 401).
 */
export interface XeroContact {
  ContactID: string;
  Name: string;
  EmailAddress?: string;
  UpdatedDateUTC: string;
}

export interface XeroInvoice {
  InvoiceID: string;
  InvoiceNumber: string;
  Type: 'ACCREC' | 'ACCPAY';
  Contact: { ContactID: string };
  Status: 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | 'PAID' | 'VOIDED';
  Total: number;
  AmountDue: number;
  AmountPaid: number;
  CurrencyCode: string;
  UpdatedDateUTC: string;
}

export interface XeroPayment {
  PaymentID: string;
  Invoice: { InvoiceID: string };
  Amount: number;
  Date: string;
  UpdatedDateUTC: string;
}

export interface XeroFake extends FakeServer {
  tenantId: string;
  webhookKey: string;
  contacts: Map<string, XeroContact>;
  invoices: Map<string, XeroInvoice>;
  payments: Map<string, XeroPayment>;
  /** Writes that created something (a replayed Idempotency-Key does not count). */
  created: { kind: 'Contact' | 'Invoice' | 'Payment'; id: string; idempotencyKey: string | null }[];
  webhook(events: { category: 'INVOICE' | 'CONTACT'; type: 'CREATE' | 'UPDATE'; resourceId: string }[], key?: string): SignedDelivery;
  deliver(url: string, delivery: SignedDelivery): ReturnType<typeof postWebhook>;
  /** Xero's intent-to-receive: passes when the right signature gets 200 and a wrong one 401, both with empty bodies. */
  intentToReceive(url: string): Promise<{ passed: boolean; statuses: number[] }>;
}

/** Xero dates: `/Date(1700000000000+0000)/`. */
const xeroDate = () => `/Date(${Date.now()}+0000)/`;

export async function startXeroFake(options: { tenantId?: string; webhookKey?: string } = {}): Promise<XeroFake> {
  const tenantId = options.tenantId ?? randomUUID();
  const webhookKey = options.webhookKey ?? 'xero-webhook-key';
  const contacts = new Map<string, XeroContact>();
  const invoices = new Map<string, XeroInvoice>();
  const payments = new Map<string, XeroPayment>();
  const created: XeroFake['created'] = [];
  const byKey = new Map<string, FakeReply>();
  let invoiceNumber = 1;

  const envelope = (name: string, items: unknown[]): FakeReply => ({
    json: { Id: randomUUID(), Status: 'OK', ProviderName: 'UBOS', DateTimeUTC: xeroDate(), [name]: items },
  });
  const validation = (message: string): FakeReply => ({
    status: 400,
    json: {
      ErrorNumber: 10,
      Type: 'ValidationException',
      Message: 'A validation exception occurred',
      Elements: [{ ValidationErrors: [{ Message: message }] }],
    },
  });

  /** Tenant check and Idempotency-Key replay around a write. */
  function write(create: (request: FakeRequest) => FakeReply): (request: FakeRequest) => FakeReply {
    return (request) => {
      if (request.headers['xero-tenant-id'] !== tenantId) return { status: 403, json: { Type: 'AuthorizationUnsuccessful', Title: 'Forbidden', Status: 403 } };
      const key = typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'] : null;
      const replay = key ? byKey.get(key) : undefined;
      if (replay) return replay;
      const before = created.length;
      const reply = create(request);
      for (const entry of created.slice(before)) entry.idempotencyKey = key;
      if (key && (reply.status ?? 200) < 300) byKey.set(key, reply);
      return reply;
    };
  }

  const createContacts = write((request) => {
    const items = request.json<{ Contacts?: { Name?: string; EmailAddress?: string }[] }>().Contacts ?? [];
    if (items.some((item) => !item.Name)) return validation('The contact name must be specified.');
    const made = items.map((item) => {
      const contact: XeroContact = {
        ContactID: randomUUID(),
        Name: item.Name ?? '',
        ...(item.EmailAddress ? { EmailAddress: item.EmailAddress } : {}),
        UpdatedDateUTC: xeroDate(),
      };
      contacts.set(contact.ContactID, contact);
      created.push({ kind: 'Contact', id: contact.ContactID, idempotencyKey: null });
      return contact;
    });
    return envelope('Contacts', made);
  });

  const createInvoices = write((request) => {
    type Input = {
      Type?: 'ACCREC' | 'ACCPAY';
      Contact?: { ContactID?: string };
      Status?: XeroInvoice['Status'];
      LineItems?: { Quantity?: number; UnitAmount?: number }[];
      CurrencyCode?: string;
    };
    const items = request.json<{ Invoices?: Input[] }>().Invoices ?? [];
    for (const item of items) {
      if (item.Type !== 'ACCREC' && item.Type !== 'ACCPAY') return validation('Invoice Type must be ACCREC or ACCPAY.');
      if (!item.Contact?.ContactID || !contacts.has(item.Contact.ContactID))
        return validation('The Contact must contain at least 1 of ContactID, ContactNumber or Name.');
    }
    const made = items.map((item) => {
      const total = (item.LineItems ?? []).reduce((sum, line) => sum + (line.Quantity ?? 1) * (line.UnitAmount ?? 0), 0);
      const invoice: XeroInvoice = {
        InvoiceID: randomUUID(),
        InvoiceNumber: item.Type === 'ACCREC' ? `INV-${String(invoiceNumber++).padStart(4, '0')}` : '',
        Type: item.Type ?? 'ACCREC',
        Contact: { ContactID: item.Contact?.ContactID ?? '' },
        Status: item.Status ?? 'DRAFT',
        Total: total,
        AmountDue: total,
        AmountPaid: 0,
        CurrencyCode: item.CurrencyCode ?? 'USD',
        UpdatedDateUTC: xeroDate(),
      };
      invoices.set(invoice.InvoiceID, invoice);
      created.push({ kind: 'Invoice', id: invoice.InvoiceID, idempotencyKey: null });
      return invoice;
    });
    return envelope('Invoices', made);
  });

  const createPayments = write((request) => {
    const items = request.json<{ Payments?: { Invoice?: { InvoiceID?: string }; Amount?: number; Date?: string }[] }>().Payments ?? [];
    for (const item of items) {
      const invoice = invoices.get(item.Invoice?.InvoiceID ?? '');
      if (!invoice) return validation('Invoice could not be found.');
      if (invoice.Status !== 'AUTHORISED') return validation('Payment can only be made against Authorised documents.');
      if ((item.Amount ?? 0) > invoice.AmountDue) return validation('Payment amount exceeds the amount outstanding on this document.');
    }
    const made = items.map((item) => {
      const invoice = invoices.get(item.Invoice?.InvoiceID ?? '') as XeroInvoice;
      invoice.AmountPaid += item.Amount ?? 0;
      invoice.AmountDue -= item.Amount ?? 0;
      if (invoice.AmountDue === 0) invoice.Status = 'PAID';
      invoice.UpdatedDateUTC = xeroDate();
      const payment: XeroPayment = {
        PaymentID: randomUUID(),
        Invoice: { InvoiceID: invoice.InvoiceID },
        Amount: item.Amount ?? 0,
        Date: item.Date ?? xeroDate(),
        UpdatedDateUTC: xeroDate(),
      };
      payments.set(payment.PaymentID, payment);
      created.push({ kind: 'Payment', id: payment.PaymentID, idempotencyKey: null });
      return payment;
    });
    return envelope('Payments', made);
  });

  const read =
    <T>(name: string, map: Map<string, T>) =>
    (request: FakeRequest): FakeReply => {
      if (request.headers['xero-tenant-id'] !== tenantId) return { status: 403, json: { Type: 'AuthorizationUnsuccessful', Title: 'Forbidden', Status: 403 } };
      const id = request.params.id;
      if (id) {
        const item = map.get(id);
        return item ? envelope(name, [item]) : { status: 404, json: { Type: 'NotFound', Title: 'Not Found', Status: 404 } };
      }
      return envelope(name, [...map.values()]);
    };

  const server = await startFakeServer({
    unauthorized: { status: 401, json: { Type: null, Title: 'Unauthorized', Status: 401, Detail: 'AuthenticationUnsuccessful' } },
    routes: [
      { method: 'PUT', path: '/api.xro/2.0/Contacts', handler: createContacts },
      { method: 'POST', path: '/api.xro/2.0/Contacts', handler: createContacts },
      { method: 'GET', path: '/api.xro/2.0/Contacts', handler: read('Contacts', contacts) },
      { method: 'GET', path: '/api.xro/2.0/Contacts/:id', handler: read('Contacts', contacts) },
      { method: 'PUT', path: '/api.xro/2.0/Invoices', handler: createInvoices },
      { method: 'POST', path: '/api.xro/2.0/Invoices', handler: createInvoices },
      { method: 'GET', path: '/api.xro/2.0/Invoices', handler: read('Invoices', invoices) },
      { method: 'GET', path: '/api.xro/2.0/Invoices/:id', handler: read('Invoices', invoices) },
      { method: 'PUT', path: '/api.xro/2.0/Payments', handler: createPayments },
      { method: 'GET', path: '/api.xro/2.0/Payments/:id', handler: read('Payments', payments) },
    ],
  });

  function webhook(events: { category: 'INVOICE' | 'CONTACT'; type: 'CREATE' | 'UPDATE'; resourceId: string }[], key = webhookKey): SignedDelivery {
    const body = JSON.stringify({
      events: events.map((event) => ({
        resourceUrl: `https://api.xero.com/api.xro/2.0/${event.category === 'INVOICE' ? 'Invoices' : 'Contacts'}/${event.resourceId}`,
        resourceId: event.resourceId,
        eventDateUtc: new Date().toISOString().replace('Z', ''),
        eventType: event.type,
        eventCategory: event.category,
        tenantId,
        tenantType: 'ORGANISATION',
      })),
      firstEventSequence: events.length > 0 ? 1 : 0,
      lastEventSequence: events.length,
      entropy: randomUUID().replaceAll('-', '').toUpperCase().slice(0, 20),
    });
    return { headers: { 'content-type': 'application/json', 'x-xero-signature': sign(key, body, 'base64') }, query: {}, body };
  }

  return {
    ...server,
    tenantId,
    webhookKey,
    contacts,
    invoices,
    payments,
    created,
    webhook,
    deliver: (url, delivery) => postWebhook(url, delivery),
    async intentToReceive(url) {
      const right = await postWebhook(url, webhook([]));
      const wrong = await postWebhook(url, webhook([], `${webhookKey}-wrong`));
      return { passed: right.status === 200 && wrong.status === 401 && right.body === '' && wrong.body === '', statuses: [right.status, wrong.status] };
    },
  };
}
