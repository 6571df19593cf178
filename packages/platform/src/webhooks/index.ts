export { webhookEvents, webhookReceived, type WebhookReceivedPayload } from './contracts.ts';
export { webhookMigrations } from './migrations.ts';
export {
  readWebhookDelivery,
  redactSecrets,
  storableHeaders,
  storeWebhookDelivery,
  type StoredDelivery,
  type StoreDeliveryInput,
  type WebhookDelivery,
} from './repository.ts';
