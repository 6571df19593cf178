import { useCan } from '../../app/session.tsx';
import { trpc } from '../../trpc.ts';
import { Card, Checkbox, Field, FormError, QueryState, Select, useToast } from '../../ui/index.ts';

const emailChoices = [
  { value: 'off', label: 'No email' },
  { value: 'immediately', label: 'Email each notification right away' },
  { value: 'daily_digest', label: 'One daily digest email' },
] as const;

const hours = Array.from({ length: 24 }, (_, hour) => hour);

/** Settings → Notifications: the signed-in user's own channels (in-app, email now, daily digest). */
export function NotificationPreferencesTab() {
  const allowed = useCan('communications.notifications.use');
  const toast = useToast();
  const utils = trpc.useUtils();
  const prefs = trpc.communications.preferences.get.useQuery(undefined, { enabled: allowed });
  const update = trpc.communications.preferences.update.useMutation({
    onSuccess: (data) => {
      utils.communications.preferences.get.setData(undefined, data);
      toast('Notification preferences saved');
    },
  });
  if (!allowed) return <p className="text-sm text-slate-500">Your role does not receive notifications in this organization.</p>;
  return (
    <QueryState query={prefs}>
      {(data) => (
        <Card className="max-w-xl p-5">
          <h2 className="text-sm font-semibold text-slate-900">How you are notified</h2>
          <p className="mt-1 text-sm text-slate-500">Workflow steps and tasks assigned to you notify you. Choose where those notifications go.</p>
          <div className="mt-4 space-y-4">
            <FormError error={update.error} fields={['inApp', 'email', 'digestHour']} />
            <Checkbox
              label="Show them under the bell in UBOS"
              checked={data.inApp}
              disabled={update.isPending}
              onChange={(e) => update.mutate({ inApp: e.target.checked })}
            />
            <Field
              label="Email"
              name="email"
              error={update.error}
              hint={data.emailAddress ? `Sent to ${data.emailAddress}.` : 'UBOS does not know your email address in this organization yet.'}
            >
              <Select
                value={data.email}
                disabled={update.isPending}
                onChange={(e) => update.mutate({ email: e.target.value as (typeof emailChoices)[number]['value'] })}
              >
                {emailChoices.map((choice) => (
                  <option key={choice.value} value={choice.value}>
                    {choice.label}
                  </option>
                ))}
              </Select>
            </Field>
            {data.email === 'daily_digest' ? (
              <Field label="Digest time (UTC)" name="digestHour" error={update.error}>
                <Select value={String(data.digestHour)} disabled={update.isPending} onChange={(e) => update.mutate({ digestHour: Number(e.target.value) })}>
                  {hours.map((hour) => (
                    <option key={hour} value={hour}>
                      {String(hour).padStart(2, '0')}:00
                    </option>
                  ))}
                </Select>
              </Field>
            ) : null}
          </div>
        </Card>
      )}
    </QueryState>
  );
}
