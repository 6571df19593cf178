// The kernel mail port (§7 "Mail port"): templates, the system-mail log, the SMTP / log transports and delivery.
export { mailMigrations } from './migrations.ts';
export { systemMailStatuses, type MailDB, type SystemMailAttachment, type SystemMailDetail, type SystemMailRecord, type SystemMailStatus } from './types.ts';
export {
  APP_LINK_ORIGIN,
  escapeHtml,
  resolveAppLinks,
  renderSystemMail,
  safeUrl,
  systemMailTemplates,
  type AppointmentData,
  type MailBrand,
  type NotificationItem,
  type RenderedMail,
  type SystemMailData,
  type SystemMailTemplate,
} from './templates.ts';
export { buildIcs, escapeIcsText, type IcsEvent } from './ics.ts';
export {
  getSystemMail,
  listSystemMail,
  readMailBrand,
  sendSystemMail,
  setMailBranding,
  type QueuedSystemMail,
  type SystemMailListOptions,
  type SystemMailMessage,
} from './send.ts';
export {
  createMailTransport,
  describeSmtpError,
  isPermanentSmtpError,
  LogMailTransport,
  redactSmtpUrl,
  SmtpMailTransport,
  type MailTransport,
  type OutgoingMail,
} from './transport.ts';
export {
  createMailDelivery,
  KEPT_IN_LOG_MESSAGE,
  MAIL_CHANNEL,
  MAIL_DEAD_QUEUE,
  MAIL_QUEUE,
  type MailDelivery,
  type MailDeliveryOptions,
  type MailJobData,
} from './delivery.ts';
