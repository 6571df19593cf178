import { cn } from '../../lib/cn.ts';
import { Button, Select, Spinner } from '../../ui/index.ts';
import { monthDays, monthLabel, timeZones } from './time.ts';

export interface PickerSlot {
  /** ISO instants (the API sends dates as strings). */
  start: string;
  end: string;
  date: string;
  time: string;
}

const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * Month view (days with free times are buttons) and the chosen day's times, in the visitor's
 * time zone, which they can change. One column on a phone, two side by side from `sm`.
 */
export function SlotPicker({
  year,
  month,
  onMonth,
  slots,
  pending,
  error,
  selectedDate,
  onSelectDate,
  onPick,
  timeZone,
  onTimeZone,
}: {
  year: number;
  month: number;
  onMonth: (year: number, month: number) => void;
  slots: PickerSlot[] | undefined;
  pending: boolean;
  error: string | null;
  selectedDate: string | null;
  onSelectDate: (date: string) => void;
  onPick: (slot: PickerSlot) => void;
  timeZone: string;
  onTimeZone: (zone: string) => void;
}) {
  const days = monthDays(year, month);
  const withSlots = new Set((slots ?? []).map((s) => s.date));
  const ofDay = (slots ?? []).filter((s) => s.date === selectedDate);
  const lead = days[0]?.weekday ?? 0;
  const move = (delta: number) => {
    const next = new Date(Date.UTC(year, month + delta, 1));
    onMonth(next.getUTCFullYear(), next.getUTCMonth());
  };
  return (
    <div className="grid gap-6 sm:grid-cols-[1fr_12rem]">
      <div>
        <div className="mb-3 flex items-center justify-between">
          <Button size="sm" variant="ghost" onClick={() => move(-1)} aria-label="Previous month">
            ‹
          </Button>
          <h2 className="text-base font-semibold text-slate-900" data-testid="month-label">
            {monthLabel(year, month)}
          </h2>
          <Button size="sm" variant="ghost" onClick={() => move(1)} aria-label="Next month">
            ›
          </Button>
        </div>
        <div className="grid grid-cols-7 gap-1 text-center text-xs font-medium text-slate-500">
          {weekdays.map((d) => (
            <div key={d}>{d}</div>
          ))}
        </div>
        <div className="mt-1 grid grid-cols-7 gap-1">
          {Array.from({ length: lead }, (_, i) => (
            <div key={`lead-${i}`} />
          ))}
          {days.map((d) => {
            const open = withSlots.has(d.date);
            return (
              <button
                key={d.date}
                type="button"
                disabled={!open}
                onClick={() => onSelectDate(d.date)}
                aria-pressed={selectedDate === d.date}
                aria-label={`${d.date}${open ? ', has free times' : ', no free times'}`}
                data-date={d.date}
                className={cn(
                  'flex h-11 items-center justify-center rounded-md text-sm',
                  open ? 'bg-indigo-50 font-semibold text-indigo-700 hover:bg-indigo-100' : 'text-slate-300',
                  selectedDate === d.date && 'bg-indigo-600 text-white hover:bg-indigo-600',
                )}
              >
                {d.day}
              </button>
            );
          })}
        </div>
        <div className="mt-4 block text-sm text-slate-600">
          <span className="mb-1 block">Times are shown in</span>
          <Select value={timeZone} onChange={(e) => onTimeZone(e.target.value)} aria-label="Time zone" className="w-full">
            {timeZones().map((zone) => (
              <option key={zone} value={zone}>
                {zone.replace(/_/g, ' ')}
              </option>
            ))}
          </Select>
        </div>
      </div>
      <div>
        {pending ? (
          <div className="flex justify-center py-6 text-slate-400" role="status" aria-label="Loading times">
            <Spinner className="size-5" />
          </div>
        ) : error ? (
          <p className="text-sm text-rose-700" role="alert">
            {error}
          </p>
        ) : !slots || slots.length === 0 ? (
          <p className="text-sm text-slate-500">No free times this month. Try the next one.</p>
        ) : !selectedDate ? (
          <p className="text-sm text-slate-500">Pick a highlighted day to see its times.</p>
        ) : (
          <ul className="flex max-h-96 flex-col gap-2 overflow-y-auto" aria-label={`Times on ${selectedDate}`}>
            {ofDay.map((slot) => (
              <li key={slot.start}>
                <Button className="h-11 w-full justify-center" onClick={() => onPick(slot)}>
                  {slot.time}
                </Button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
