import { useEffect, useState } from 'react';
import { errorMessage } from '../../lib/errors.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Button, Card, ErrorState, FormError, Input, PageSpinner, Select, useToast } from '../../ui/index.ts';
import { fromMinutes, timeZones, toMinutes } from './time.ts';

type Availability = RouterOutputs['scheduling']['availability']['get'];
type Ranges = [number, number][];
const dayNames = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const weekdayKeys = ['1', '2', '3', '4', '5', '6', '7'] as const;

/** Weekly hours in the user's own time zone (a grid of days and ranges) and date overrides. */
export function AvailabilityEditor() {
  const current = trpc.scheduling.availability.get.useQuery({});
  if (current.isPending) return <PageSpinner />;
  if (current.error) return <ErrorState error={current.error} onRetry={() => void current.refetch()} title="Could not load your hours" />;
  return <Editor initial={current.data} />;
}

function RangeList({ ranges, onChange, label }: { ranges: Ranges; onChange: (next: Ranges) => void; label: string }) {
  return (
    <div className="flex flex-col gap-1.5">
      {ranges.length === 0 ? <span className="text-sm text-slate-400">Unavailable</span> : null}
      {ranges.map(([start, end], i) => (
        <div key={`${i}-${start}`} className="flex items-center gap-1.5">
          <Input
            type="time"
            aria-label={`${label} from`}
            value={fromMinutes(start)}
            onChange={(e) => onChange(ranges.map((r, j) => (j === i ? [toMinutes(e.target.value), r[1]] : r)))}
          />
          <span className="text-slate-400">–</span>
          <Input
            type="time"
            aria-label={`${label} until`}
            value={end >= 1440 ? '23:59' : fromMinutes(end)}
            onChange={(e) => onChange(ranges.map((r, j) => (j === i ? [r[0], e.target.value === '23:59' ? 1440 : toMinutes(e.target.value)] : r)))}
          />
          <Button size="sm" variant="ghost" aria-label={`Remove ${label} range`} onClick={() => onChange(ranges.filter((_, j) => j !== i))}>
            ×
          </Button>
        </div>
      ))}
      <Button
        size="sm"
        variant="link"
        className="self-start"
        onClick={() =>
          onChange([
            ...ranges,
            ranges.length ? [Math.min(1380, (ranges.at(-1)?.[1] ?? 540) + 60), Math.min(1440, (ranges.at(-1)?.[1] ?? 540) + 120)] : [540, 1020],
          ])
        }
      >
        Add hours
      </Button>
    </div>
  );
}

function Editor({ initial }: { initial: Availability }) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const [timeZone, setTimeZone] = useState(initial.saved ? initial.timeZone : Intl.DateTimeFormat().resolvedOptions().timeZone);
  const [weekly, setWeekly] = useState<Record<string, Ranges>>(() => Object.fromEntries(weekdayKeys.map((k) => [k, (initial.weekly[k] ?? []) as Ranges])));
  const [overrides, setOverrides] = useState(initial.overrides.map((o) => ({ date: o.date, ranges: o.ranges as Ranges })));
  useEffect(() => {
    setOverrides(initial.overrides.map((o) => ({ date: o.date, ranges: o.ranges as Ranges })));
  }, [initial]);
  const save = trpc.scheduling.availability.set.useMutation({
    onSuccess: () => {
      toast('Working hours saved');
      void utils.scheduling.availability.get.invalidate();
    },
  });
  return (
    <div className="flex flex-col gap-5">
      <Card title="Weekly hours">
        <div className="flex flex-col gap-4 p-4">
          <div className="flex max-w-sm flex-col gap-1 text-sm">
            <span className="font-medium text-slate-700">Your time zone</span>
            <Select value={timeZone} onChange={(e) => setTimeZone(e.target.value)} aria-label="Your time zone">
              {timeZones().map((zone) => (
                <option key={zone} value={zone}>
                  {zone.replace(/_/g, ' ')}
                </option>
              ))}
            </Select>
          </div>
          <fieldset className="grid gap-3 md:grid-cols-2 xl:grid-cols-4" aria-label="Weekly hours">
            {weekdayKeys.map((key, i) => (
              <div key={key} className="rounded-md border border-slate-200 p-3">
                <p className="mb-2 text-sm font-semibold text-slate-800">{dayNames[i]}</p>
                <RangeList label={dayNames[i] ?? key} ranges={weekly[key] ?? []} onChange={(next) => setWeekly({ ...weekly, [key]: next })} />
              </div>
            ))}
          </fieldset>
        </div>
      </Card>
      <Card
        title="Date overrides"
        actions={
          <Button size="sm" onClick={() => setOverrides([...overrides, { date: new Date().toISOString().slice(0, 10), ranges: [] }])}>
            Add a date
          </Button>
        }
      >
        <div className="flex flex-col gap-3 p-4">
          {overrides.length === 0 ? (
            <p className="text-sm text-slate-500">No overrides: every date follows the weekly hours. Add a date for a day off or extra hours.</p>
          ) : null}
          {overrides.map((o, i) => (
            <div key={`${o.date}-${i}`} className="flex flex-wrap items-start gap-3 rounded-md border border-slate-200 p-3">
              <Input
                type="date"
                aria-label="Override date"
                value={o.date}
                onChange={(e) => setOverrides(overrides.map((x, j) => (j === i ? { ...x, date: e.target.value } : x)))}
              />
              <RangeList
                label={`Override ${o.date}`}
                ranges={o.ranges}
                onChange={(next) => setOverrides(overrides.map((x, j) => (j === i ? { ...x, ranges: next } : x)))}
              />
              <Button size="sm" variant="ghost" className="ml-auto" onClick={() => setOverrides(overrides.filter((_, j) => j !== i))}>
                Remove
              </Button>
            </div>
          ))}
        </div>
      </Card>
      <div className="flex items-center gap-3">
        <Button variant="primary" loading={save.isPending} onClick={() => save.mutate({ timeZone, weekly, overrides })}>
          Save hours
        </Button>
        {save.error ? <FormError error={save.error} /> : null}
        {save.error && !errorMessage(save.error) ? null : null}
      </div>
    </div>
  );
}
