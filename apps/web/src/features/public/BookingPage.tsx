import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { errorCode, errorMessage, fieldErrors } from '../../lib/errors.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Button, Field, Input, Spinner, Textarea } from '../../ui/index.ts';
import { SlotPicker, type PickerSlot } from '../scheduling/SlotPicker.tsx';
import { browserTimeZone, formatWhen, icsHref, monthRange } from '../scheduling/time.ts';

type Page = RouterOutputs['scheduling']['booking']['page'];
type Booked = RouterOutputs['scheduling']['booking']['book'];

const locationWords = { in_person: 'In person', phone: 'Phone call', video: 'Video call' } as const;

/**
 * The public booking page (/book/:tenantSlug/:pageSlug): no login. Mobile-first, one column on a
 * phone: pick a type, a day with free times, a time (in the visitor's time zone, detected and
 * changeable), then name, email and the type's questions; the confirmation offers the .ics and
 * the manage link.
 */
export default function BookingPage() {
  const { tenantSlug = '', pageSlug = '' } = useParams();
  const page = trpc.scheduling.booking.page.useQuery({ tenantSlug, pageSlug }, { retry: false, staleTime: 60_000 });
  if (page.isPending) {
    return (
      <Shell>
        <div className="flex min-h-64 items-center justify-center text-slate-400" role="status" aria-label="Loading">
          <Spinner className="size-6" />
        </div>
      </Shell>
    );
  }
  if (page.error) {
    const missing = errorCode(page.error) === 'NOT_FOUND' || errorCode(page.error) === 'BAD_REQUEST';
    return (
      <Shell>
        <Notice
          title={missing ? 'This booking page does not exist' : 'The page could not be loaded'}
          body={missing ? 'Check the address, or ask for a new link.' : `${errorMessage(page.error)} Please try again in a moment.`}
        />
      </Shell>
    );
  }
  return (
    <Shell organization={page.data.organization}>
      <Booking tenantSlug={tenantSlug} page={page.data} />
    </Shell>
  );
}

export function Shell({ organization, children }: { organization?: string; children: ReactNode }) {
  return (
    <div className="min-h-full bg-slate-50">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-3xl items-center gap-3 px-4 py-3 sm:px-6">
          {organization ? (
            <span className="flex size-9 items-center justify-center rounded-md bg-indigo-600 text-sm font-bold text-white" aria-hidden="true">
              {organization.slice(0, 1).toUpperCase()}
            </span>
          ) : null}
          <span className="truncate text-base font-semibold text-slate-900" data-testid="booking-org">
            {organization ?? 'Book a meeting'}
          </span>
        </div>
      </header>
      <main className="mx-auto max-w-3xl px-4 py-6 sm:px-6 sm:py-10">{children}</main>
    </div>
  );
}

export function Notice({ title, body, tone = 'rose' }: { title: string; body: ReactNode; tone?: 'rose' | 'green' | 'amber' }) {
  const tones = {
    rose: 'bg-rose-50 text-rose-900 ring-rose-200',
    green: 'bg-emerald-50 text-emerald-900 ring-emerald-200',
    amber: 'bg-amber-50 text-amber-900 ring-amber-200',
  };
  return (
    <div className={`rounded-lg p-5 ring-1 ${tones[tone]}`} role={tone === 'rose' ? 'alert' : 'status'}>
      <h1 className="text-base font-semibold">{title}</h1>
      <div className="mt-1 text-sm">{body}</div>
    </div>
  );
}

function Booking({ tenantSlug, page }: { tenantSlug: string; page: Page }) {
  const [params, setParams] = useSearchParams();
  const typeSlug = params.get('type') ?? (page.types.length === 1 ? (page.types[0]?.slug ?? null) : null);
  const type = page.types.find((t) => t.slug === typeSlug) ?? null;
  const [booked, setBooked] = useState<Booked | null>(null);
  if (booked && type)
    return <Confirmation booked={booked} typeName={type.name} timeZone={booked ? (params.get('tz') ?? browserTimeZone()) : browserTimeZone()} />;
  if (!type) {
    return (
      <div>
        <h1 className="text-xl font-semibold text-slate-900">Book a meeting with {page.organization}</h1>
        <ul className="mt-5 flex flex-col gap-3">
          {page.types.map((t) => (
            <li key={t.slug}>
              <button
                type="button"
                onClick={() => setParams({ type: t.slug })}
                className="w-full rounded-lg bg-white p-4 text-left shadow-xs ring-1 ring-slate-200 hover:ring-indigo-300 focus-visible:outline-2 focus-visible:outline-indigo-600"
              >
                <span className="block text-base font-semibold text-slate-900">{t.name}</span>
                <span className="mt-0.5 block text-sm text-slate-500">
                  {t.durationMinutes} minutes · {locationWords[t.locationKind]}
                </span>
                {t.description ? <span className="mt-1 block text-sm text-slate-600">{t.description}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <TypeBooking
      tenantSlug={tenantSlug}
      pageSlug={page.pageSlug}
      type={type}
      onBooked={setBooked}
      showBack={page.types.length > 1}
      onBack={() => setParams({})}
    />
  );
}

function TypeBooking({
  tenantSlug,
  pageSlug,
  type,
  onBooked,
  showBack,
  onBack,
}: {
  tenantSlug: string;
  pageSlug: string;
  type: Page['types'][number];
  onBooked: (booked: Booked) => void;
  showBack: boolean;
  onBack: () => void;
}) {
  const today = new Date();
  const [params, setParams] = useSearchParams();
  const [ym, setYm] = useState({ year: today.getFullYear(), month: today.getMonth() });
  const [timeZone, setTimeZoneState] = useState(params.get('tz') ?? browserTimeZone());
  const [date, setDate] = useState<string | null>(null);
  const [slot, setSlot] = useState<PickerSlot | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const range = monthRange(ym.year, ym.month);
  const slots = trpc.scheduling.booking.slots.useQuery(
    { tenantSlug, pageSlug, typeSlug: type.slug, from: range.from, to: range.to, timeZone },
    { retry: false },
  );
  const monthPrefix = `${ym.year}-${String(ym.month + 1).padStart(2, '0')}`;
  const inMonth = slots.data?.slots.filter((s) => s.date.startsWith(monthPrefix));
  const setTimeZone = (zone: string) => {
    setTimeZoneState(zone);
    setDate(null);
    const next = new URLSearchParams(params);
    next.set('tz', zone);
    setParams(next, { replace: true });
  };
  // Jump to the first day with times when the month loads.
  useEffect(() => {
    if (!date && inMonth && inMonth.length > 0) setDate(inMonth[0]?.date ?? null);
  }, [date, inMonth]);
  return (
    <div>
      {showBack ? (
        <Button variant="link" size="sm" onClick={onBack} className="mb-2">
          ← All meeting types
        </Button>
      ) : null}
      <h1 className="text-xl font-semibold text-slate-900">{type.name}</h1>
      <p className="mt-0.5 text-sm text-slate-500">
        {type.durationMinutes} minutes · {locationWords[type.locationKind]}
      </p>
      {type.description ? <p className="mt-2 text-sm text-slate-600">{type.description}</p> : null}
      {notice ? (
        <div className="mt-4">
          <Notice tone="amber" title="Please pick another time" body={notice} />
        </div>
      ) : null}
      <div className="mt-6 rounded-lg bg-white p-4 shadow-xs ring-1 ring-slate-200 sm:p-6">
        {slot ? (
          <BookingForm
            tenantSlug={tenantSlug}
            pageSlug={pageSlug}
            type={type}
            slot={slot}
            timeZone={timeZone}
            onBack={() => setSlot(null)}
            onBooked={onBooked}
            onTaken={(message) => {
              setNotice(message);
              setSlot(null);
              void slots.refetch();
            }}
          />
        ) : (
          <SlotPicker
            year={ym.year}
            month={ym.month}
            onMonth={(year, month) => {
              setYm({ year, month });
              setDate(null);
            }}
            slots={inMonth}
            pending={slots.isPending}
            error={slots.error ? errorMessage(slots.error) : null}
            selectedDate={date}
            onSelectDate={setDate}
            onPick={(picked) => {
              setNotice(null);
              setSlot(picked);
            }}
            timeZone={timeZone}
            onTimeZone={setTimeZone}
          />
        )}
      </div>
    </div>
  );
}

function BookingForm({
  tenantSlug,
  pageSlug,
  type,
  slot,
  timeZone,
  onBack,
  onBooked,
  onTaken,
}: {
  tenantSlug: string;
  pageSlug: string;
  type: Page['types'][number];
  slot: PickerSlot;
  timeZone: string;
  onBack: () => void;
  onBooked: (booked: Booked) => void;
  onTaken: (message: string) => void;
}) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const book = trpc.scheduling.booking.book.useMutation({
    onSuccess: onBooked,
    onError: (error) => {
      if (errorCode(error) === 'CONFLICT') onTaken(error.message);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    book.mutate({
      tenantSlug,
      pageSlug,
      typeSlug: type.slug,
      start: slot.start,
      attendeeName: name,
      attendeeEmail: email,
      attendeeTimeZone: timeZone,
      answers,
    });
  };
  const errors = book.error ? fieldErrors(book.error) : {};
  return (
    <form onSubmit={submit} className="flex flex-col gap-4" aria-label="Your details">
      <div className="rounded-md bg-indigo-50 px-3 py-2 text-sm text-indigo-900" data-testid="chosen-time">
        {formatWhen(slot.start, timeZone)} ({timeZone.replace(/_/g, ' ')})
      </div>
      <Field label="Your name" required error={errors.attendeeName}>
        <Input value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" required className="h-11 w-full" />
      </Field>
      <Field label="Email" required error={errors.attendeeEmail}>
        <Input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" required className="h-11 w-full" />
      </Field>
      {type.questions.map((q) => (
        <Field key={q.id} label={q.label} required={q.required} error={errors[`answers.${q.id}`]}>
          {q.kind === 'long_text' ? (
            <Textarea
              value={answers[q.id] ?? ''}
              onChange={(e) => setAnswers({ ...answers, [q.id]: e.target.value })}
              required={q.required}
              rows={3}
              className="w-full"
            />
          ) : (
            <Input
              type={q.kind === 'phone' ? 'tel' : 'text'}
              value={answers[q.id] ?? ''}
              onChange={(e) => setAnswers({ ...answers, [q.id]: e.target.value })}
              required={q.required}
              className="h-11 w-full"
            />
          )}
        </Field>
      ))}
      {book.error && errorCode(book.error) !== 'CONFLICT' ? (
        <p className="text-sm text-rose-700" role="alert">
          {errorMessage(book.error)}
        </p>
      ) : null}
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-between">
        <Button onClick={onBack} className="h-11">
          Back
        </Button>
        <Button type="submit" variant="primary" loading={book.isPending} className="h-11">
          Confirm booking
        </Button>
      </div>
    </form>
  );
}

function Confirmation({ booked, typeName, timeZone }: { booked: Booked; typeName: string; timeZone: string }) {
  return (
    <div className="flex flex-col gap-4" data-testid="booking-confirmed">
      <Notice
        tone="green"
        title="You are booked"
        body={`${typeName} on ${formatWhen(booked.start, timeZone)} (${timeZone.replace(/_/g, ' ')}). A confirmation is on its way to your inbox.`}
      />
      <div className="flex flex-col gap-2 sm:flex-row">
        <a
          href={icsHref(booked.ics)}
          download="invite.ics"
          className="inline-flex h-11 items-center justify-center rounded-md bg-indigo-600 px-4 text-sm font-semibold text-white hover:bg-indigo-500"
        >
          Add to calendar (.ics)
        </a>
        <a
          href={booked.manageUrl}
          className="inline-flex h-11 items-center justify-center rounded-md bg-white px-4 text-sm font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
          data-testid="manage-link"
        >
          Change or cancel
        </a>
      </div>
      <p className="text-xs text-slate-500">Keep the change-or-cancel link: it is the only way to change this booking without contacting us.</p>
    </div>
  );
}
