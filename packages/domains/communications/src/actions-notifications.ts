import { defineAction, type ActionDefinition } from '@ubos/platform';
import { notifyActionInput, notifyActionOutput, sendEmailActionInput, sendEmailActionOutput } from './contracts-notifications.ts';
import { notify, sendTemplatedEmail } from './service-notifications.ts';

/** The engine's idempotency key is `<run_id>:<step_key>`. */
const runIdOf = (key: string): string | null => key.split(':')[0] || null;

/** `communications.notify`: a notification for a staff user through their channels; once per step key. */
export const notifyAction = defineAction({
  name: 'communications.notify',
  description: "Notify a user (the bell, and email or the daily digest per the user's preferences)",
  input: notifyActionInput,
  output: notifyActionOutput,
  async run(input, ctx) {
    const result = await notify(ctx, {
      userId: input.userId,
      kind: 'workflow',
      title: input.title,
      body: input.body ?? null,
      link: input.link ?? null,
      sourceKey: `step:${ctx.idempotencyKey}`,
    });
    if (!result) throw new Error('This step already notified this user');
    return { notificationId: result.id };
  },
});

/** `communications.sendEmail`: a templated email to a user, a contact or an address through the mail port; once per step key. */
export const sendEmailAction = defineAction({
  name: 'communications.sendEmail',
  description: 'Send a templated email (subject, paragraphs, optional link) to a user, a contact or an address',
  input: sendEmailActionInput,
  output: sendEmailActionOutput,
  run: (input, ctx) => sendTemplatedEmail(ctx, input, runIdOf(ctx.idempotencyKey)),
});

export const notificationActions: readonly ActionDefinition[] = [notifyAction, sendEmailAction];
