import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useSearchParams } from 'react-router';
import { useCan, useMe } from '../../app/session.tsx';
import { cn } from '../../lib/cn.ts';
import { errorMessage } from '../../lib/errors.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Badge, Button, Drawer, ErrorState, Input, Select, Spinner, useToast } from '../../ui/index.ts';
import { statusTone, statusWords } from './status.ts';
import { formatTime, formatWhen } from './time.ts';

type Appointment = RouterOutputs['scheduling']['appointments']['list'][number];

const HOUR_PX = 48;
const DAY_MS = 86_400_000;

function startOfDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}
function addDays(date: Date, days: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}
function mondayOf(date: Date): Date {
  const day = startOfDay(date);
  return addDays(day, -((day.getDay() + 6) % 7));
}
const minutesOf = (date: Date) => date.getHours() * 60 + date.getMinutes();
const toLocalInput = (date: Date) => new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/**
 * The week (or day) of one host's appointments in the viewer's time zone, external busy time
 * greyed. Drag an appointment onto another half hour to move it; the detail drawer offers the
 * same by keyboard, and complete / no-show / cancel.
 */
export function CalendarView() {
  const me = useMe();
  const toast = useToast();
  const canWrite = useCan('scheduling.write');
  const [params, setParams] = useSearchParams();
  const [view, setView] = useState<'week' | 'day'>('week');
  const [anchor, setAnchor] = useState(() => new Date());
  const [hostId, setHostId] = useState(me.user.id);
  const focusId = params.get('appointment');
  const focused = trpc.scheduling.appointments.get.useQuery({ id: focusId ?? '' }, { enabled: !!focusId });
  useEffect(() => {
    if (focused.data) setAnchor(new Date(focused.data.start));
  }, [focused.data]);
  const first = view === 'week' ? mondayOf(anchor) : startOfDay(anchor);
  const days = Array.from({ length: view === 'week' ? 7 : 1 }, (_, i) => addDays(first, i));
  const from = days[0] ?? first;
  const to = addDays(first, days.length);
  const members = trpc.identity.members.list.useQuery(undefined, { retry: false });
  const list = trpc.scheduling.appointments.list.useQuery({ from, to, hostId });
  const busy = trpc.scheduling.calendars.busy.useQuery({ from, to, userId: hostId });
  const utils = trpc.useUtils();
  const move = trpc.scheduling.appointments.reschedule.useMutation({
    onSuccess: () => {
      toast('Appointment moved');
      void utils.scheduling.appointments.invalidate();
    },
    onError: (error) => toast(errorMessage(error), 'error'),
  });
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    scroller.current?.scrollTo({ top: 7 * HOUR_PX });
  }, []);
  const byDay = useMemo(() => {
    const map = new Map<number, Appointment[]>();
    for (const a of list.data ?? []) {
      const key = startOfDay(new Date(a.start)).getTime();
      map.set(key, [...(map.get(key) ?? []), a]);
    }
    return map;
  }, [list.data]);
  const selected = (list.data ?? []).find((a) => a.id === focusId) ?? (focused.data && focused.data.id === focusId ? focused.data : null);
  const onDrop = (day: Date, event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    const id = event.dataTransfer.getData('text/appointment-id');
    if (!id || !canWrite) return;
    const rect = event.currentTarget.getBoundingClientRect();
    const minutes = Math.max(0, Math.round((((event.clientY - rect.top) / HOUR_PX) * 60) / 15) * 15);
    move.mutate({ id, start: new Date(day.getTime() + minutes * 60_000), reason: null });
  };
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-2">
        <Button size="sm" onClick={() => setAnchor(new Date())}>
          Today
        </Button>
        <Button size="sm" variant="ghost" aria-label="Previous" onClick={() => setAnchor(addDays(anchor, view === 'week' ? -7 : -1))}>
          ‹
        </Button>
        <Button size="sm" variant="ghost" aria-label="Next" onClick={() => setAnchor(addDays(anchor, view === 'week' ? 7 : 1))}>
          ›
        </Button>
        <span className="text-sm font-medium text-slate-800" data-testid="calendar-range">
          {from.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })}
          {view === 'week' ? ` – ${addDays(to, -1).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' })}` : ''}
        </span>
        <div className="ml-auto flex items-center gap-2">
          {members.data && members.data.length > 1 ? (
            <Select aria-label="Whose calendar" value={hostId} onChange={(e) => setHostId(e.target.value)}>
              {members.data.map((m) => (
                <option key={m.userId} value={m.userId}>
                  {m.userId === me.user.id ? 'My calendar' : m.name}
                </option>
              ))}
            </Select>
          ) : null}
          <Select aria-label="View" value={view} onChange={(e) => setView(e.target.value as 'week' | 'day')}>
            <option value="week">Week</option>
            <option value="day">Day</option>
          </Select>
        </div>
      </div>
      {list.error ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} title="Could not load the appointments" />
      ) : (
        <div className="overflow-hidden rounded-lg bg-white ring-1 ring-slate-200">
          <div
            className="grid border-b border-slate-200 text-xs font-medium text-slate-600"
            style={{ gridTemplateColumns: `3rem repeat(${days.length}, minmax(0, 1fr))` }}
          >
            <div className="flex items-center justify-center py-2">{list.isPending ? <Spinner className="size-3.5" /> : null}</div>
            {days.map((d) => (
              <div key={d.getTime()} className="border-l border-slate-100 px-2 py-2">
                {d.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short' })}
              </div>
            ))}
          </div>
          <div ref={scroller} className="relative max-h-[36rem] overflow-y-auto">
            <div className="grid" style={{ gridTemplateColumns: `3rem repeat(${days.length}, minmax(0, 1fr))`, height: 24 * HOUR_PX }}>
              <div className="relative">
                {Array.from({ length: 24 }, (_, h) => (
                  <div key={h} className="absolute right-1 text-[10px] text-slate-400" style={{ top: h * HOUR_PX - 6 }}>
                    {h === 0 ? '' : `${String(h).padStart(2, '0')}:00`}
                  </div>
                ))}
              </div>
              {days.map((d) => (
                // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for dragging; the drawer's Move field is the keyboard path
                <div
                  key={d.getTime()}
                  className="relative border-l border-slate-100"
                  onDragOver={(e) => canWrite && e.preventDefault()}
                  onDrop={(e) => onDrop(d, e)}
                  data-day={d.toISOString()}
                >
                  {Array.from({ length: 24 }, (_, h) => (
                    <div key={h} className="absolute inset-x-0 border-t border-slate-100" style={{ top: h * HOUR_PX }} />
                  ))}
                  {(busy.data ?? [])
                    .filter((b) => new Date(b.end) > d && new Date(b.start) < addDays(d, 1))
                    .map((b) => {
                      const start = Math.max(new Date(b.start).getTime(), d.getTime());
                      const end = Math.min(new Date(b.end).getTime(), d.getTime() + DAY_MS);
                      return (
                        <div
                          key={`${b.calendarId}-${String(b.start)}`}
                          className="absolute inset-x-0.5 rounded bg-slate-200/80 px-1 text-[10px] text-slate-600"
                          style={{ top: (minutesOf(new Date(start)) / 60) * HOUR_PX, height: Math.max(12, ((end - start) / 3_600_000) * HOUR_PX) }}
                          data-testid="busy-block"
                          title="Busy in an external calendar"
                        >
                          Busy
                        </div>
                      );
                    })}
                  {(byDay.get(d.getTime()) ?? []).map((a) => {
                    const start = new Date(a.start);
                    const end = new Date(a.end);
                    return (
                      <button
                        type="button"
                        key={a.id}
                        draggable={canWrite && a.status === 'booked'}
                        onDragStart={(e) => e.dataTransfer.setData('text/appointment-id', a.id)}
                        onClick={() => setParams({ appointment: a.id }, { replace: true })}
                        className={cn(
                          'absolute inset-x-1 overflow-hidden rounded-md px-1.5 py-0.5 text-left text-xs shadow-sm ring-1',
                          a.status === 'booked' ? 'bg-indigo-50 text-indigo-900 ring-indigo-200' : 'bg-slate-50 text-slate-500 ring-slate-200',
                        )}
                        style={{ top: (minutesOf(start) / 60) * HOUR_PX, height: Math.max(18, ((end.getTime() - start.getTime()) / 3_600_000) * HOUR_PX) }}
                        data-testid="calendar-appointment"
                      >
                        <span className="block truncate font-semibold">{a.attendeeName}</span>
                        <span className="block truncate">
                          {formatTime(start)} {a.typeName}
                        </span>
                      </button>
                    );
                  })}
                </div>
              ))}
            </div>
          </div>
        </div>
      )}
      {!list.isPending && (list.data ?? []).length === 0 ? <p className="text-sm text-slate-500">No appointments in this {view}.</p> : null}
      <AppointmentDrawer appointment={selected ?? null} onClose={() => setParams({}, { replace: true })} canWrite={canWrite} />
    </div>
  );
}

function AppointmentDrawer({ appointment, onClose, canWrite }: { appointment: Appointment | null; onClose: () => void; canWrite: boolean }) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const [when, setWhen] = useState('');
  useEffect(() => {
    if (appointment) setWhen(toLocalInput(new Date(appointment.start)));
  }, [appointment]);
  const done = (message: string) => () => {
    toast(message);
    void utils.scheduling.appointments.invalidate();
  };
  const fail = (error: unknown) => toast(errorMessage(error), 'error');
  const cancel = trpc.scheduling.appointments.cancel.useMutation({ onSuccess: done('Appointment cancelled'), onError: fail });
  const complete = trpc.scheduling.appointments.complete.useMutation({ onSuccess: done('Marked as completed'), onError: fail });
  const noShow = trpc.scheduling.appointments.markNoShow.useMutation({ onSuccess: done('Marked as a no-show'), onError: fail });
  const move = trpc.scheduling.appointments.reschedule.useMutation({ onSuccess: done('Appointment moved'), onError: fail });
  const started = appointment ? new Date(appointment.start).getTime() <= Date.now() : false;
  return (
    <Drawer
      open={appointment !== null}
      onOpenChange={(open) => !open && onClose()}
      title={appointment ? `${appointment.typeName} with ${appointment.attendeeName}` : ''}
    >
      {appointment ? (
        <div className="flex flex-col gap-3 text-sm">
          <div>
            <Badge tone={statusTone[appointment.status]}>{statusWords[appointment.status]}</Badge>
          </div>
          <p className="text-slate-900">{formatWhen(new Date(appointment.start), zone)}</p>
          <p className="text-slate-500">
            {appointment.attendeeEmail} · their time zone {appointment.attendeeTimeZone}
          </p>
          {Object.entries(appointment.answers).map(([key, value]) => (
            <p key={key} className="text-slate-700">
              <span className="font-medium">{key}:</span> {value}
            </p>
          ))}
          {appointment.cancelReason ? <p className="text-slate-600">Reason: {appointment.cancelReason}</p> : null}
          {canWrite && appointment.status === 'booked' ? (
            <div className="flex flex-col gap-2 border-t border-slate-100 pt-3">
              <div className="flex flex-col gap-1">
                <span className="text-xs font-medium text-slate-600">Move to</span>
                <Input type="datetime-local" aria-label="Move to" value={when} onChange={(e) => setWhen(e.target.value)} step={900} />
              </div>
              <div className="flex flex-wrap gap-2">
                <Button size="sm" loading={move.isPending} onClick={() => move.mutate({ id: appointment.id, start: new Date(when), reason: null })}>
                  Move
                </Button>
                {started ? (
                  <>
                    <Button size="sm" loading={complete.isPending} onClick={() => complete.mutate({ id: appointment.id })}>
                      Completed
                    </Button>
                    <Button size="sm" loading={noShow.isPending} onClick={() => noShow.mutate({ id: appointment.id })}>
                      No-show
                    </Button>
                  </>
                ) : null}
                <Button size="sm" variant="danger" loading={cancel.isPending} onClick={() => cancel.mutate({ id: appointment.id, reason: null })}>
                  Cancel appointment
                </Button>
              </div>
            </div>
          ) : null}
        </div>
      ) : null}
    </Drawer>
  );
}
