import { useState } from 'react';
import { useParams } from 'react-router';
import { errorCode, errorMessage } from '../../lib/errors.ts';
import { trpc } from '../../trpc.ts';
import { Button, Field, Spinner, Textarea } from '../../ui/index.ts';
import { SlotPicker, type PickerSlot } from '../scheduling/SlotPicker.tsx';
import { browserTimeZone, formatWhen, icsHref, monthRange } from '../scheduling/time.ts';
import { Notice, Shell } from './BookingPage.tsx';

/**
 * The attendee's manage page (/book/manage/:token): the token reads only its own appointment.
 * Opening it changes nothing; cancelling and moving are explicit buttons (POSTs).
 */
export default function ManageBookingPage() {
  const { token = '' } = useParams();
  const appointment = trpc.scheduling.booking.appointment.useQuery({ token }, { retry: false });
  const [mode, setMode] = useState<'view' | 'cancel' | 'move'>('view');
  const [reason, setReason] = useState('');
  const utils = trpc.useUtils();
  const cancel = trpc.scheduling.booking.cancel.useMutation({ onSuccess: (data) => utils.scheduling.booking.appointment.setData({ token }, data) });
  if (appointment.isPending) {
    return (
      <Shell>
        <div className="flex min-h-64 items-center justify-center text-slate-400" role="status" aria-label="Loading">
          <Spinner className="size-6" />
        </div>
      </Shell>
    );
  }
  if (appointment.error) {
    const invalid = ['NOT_FOUND', 'BAD_REQUEST'].includes(errorCode(appointment.error) ?? '');
    return (
      <Shell>
        <Notice
          title={invalid ? 'This link does not work' : 'The page could not be loaded'}
          body={invalid ? 'Check that you opened the whole link from your confirmation email.' : errorMessage(appointment.error)}
        />
      </Shell>
    );
  }
  const a = appointment.data;
  const zone = a.attendeeTimeZone || browserTimeZone();
  return (
    <Shell organization={a.organization}>
      <div className="flex flex-col gap-4">
        <h1 className="text-xl font-semibold text-slate-900">{a.typeName}</h1>
        {a.status === 'cancelled' ? (
          <Notice
            tone="amber"
            title="This appointment is cancelled"
            body={`It was planned for ${formatWhen(a.start, zone)}. You can book a new time from the booking page.`}
          />
        ) : (
          <div className="rounded-lg bg-white p-4 shadow-xs ring-1 ring-slate-200" data-testid="managed-time">
            <p className="text-base text-slate-900">{formatWhen(a.start, zone)}</p>
            <p className="text-sm text-slate-500">
              {zone.replace(/_/g, ' ')} · {a.durationMinutes} minutes{a.locationDetail ? ` · ${a.locationDetail}` : ''}
            </p>
            <a href={icsHref(a.ics)} download="invite.ics" className="mt-2 inline-block text-sm font-medium text-indigo-700">
              Add to calendar (.ics)
            </a>
          </div>
        )}
        {a.changeable && mode === 'view' ? (
          <div className="flex flex-col gap-2 sm:flex-row">
            <Button className="h-11" onClick={() => setMode('move')}>
              Pick another time
            </Button>
            <Button className="h-11" variant="danger" onClick={() => setMode('cancel')}>
              Cancel appointment
            </Button>
          </div>
        ) : null}
        {a.changeable && mode === 'cancel' ? (
          <form
            className="flex flex-col gap-3 rounded-lg bg-white p-4 ring-1 ring-slate-200"
            onSubmit={(e) => {
              e.preventDefault();
              cancel.mutate({ token, reason: reason.trim() || null });
            }}
          >
            <Field label="Reason (optional)">
              <Textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={2} className="w-full" />
            </Field>
            {cancel.error ? (
              <p className="text-sm text-rose-700" role="alert">
                {errorMessage(cancel.error)}
              </p>
            ) : null}
            <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-between">
              <Button className="h-11" onClick={() => setMode('view')}>
                Keep it
              </Button>
              <Button type="submit" variant="danger" className="h-11" loading={cancel.isPending}>
                Yes, cancel it
              </Button>
            </div>
          </form>
        ) : null}
        {a.changeable && mode === 'move' ? <Move token={token} timeZone={zone} onDone={() => setMode('view')} /> : null}
      </div>
    </Shell>
  );
}

function Move({ token, timeZone: initialZone, onDone }: { token: string; timeZone: string; onDone: () => void }) {
  const today = new Date();
  const [ym, setYm] = useState({ year: today.getFullYear(), month: today.getMonth() });
  const [timeZone, setTimeZone] = useState(initialZone);
  const [date, setDate] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const range = monthRange(ym.year, ym.month);
  const slots = trpc.scheduling.booking.manageSlots.useQuery({ token, from: range.from, to: range.to, timeZone }, { retry: false });
  const utils = trpc.useUtils();
  const move = trpc.scheduling.booking.reschedule.useMutation({
    onSuccess: (data) => {
      utils.scheduling.booking.appointment.setData({ token }, data);
      onDone();
    },
    onError: (error) => {
      setNotice(errorMessage(error));
      void slots.refetch();
    },
  });
  const monthPrefix = `${ym.year}-${String(ym.month + 1).padStart(2, '0')}`;
  return (
    <div className="rounded-lg bg-white p-4 ring-1 ring-slate-200">
      {notice ? <Notice tone="amber" title="Please pick another time" body={notice} /> : null}
      <SlotPicker
        year={ym.year}
        month={ym.month}
        onMonth={(year, month) => setYm({ year, month })}
        slots={slots.data?.slots.filter((s) => s.date.startsWith(monthPrefix))}
        pending={slots.isPending || move.isPending}
        error={slots.error ? errorMessage(slots.error) : null}
        selectedDate={date}
        onSelectDate={setDate}
        onPick={(slot: PickerSlot) => move.mutate({ token, start: slot.start, reason: null })}
        timeZone={timeZone}
        onTimeZone={setTimeZone}
      />
      <Button variant="link" size="sm" className="mt-3" onClick={onDone}>
        Keep the current time
      </Button>
    </div>
  );
}
