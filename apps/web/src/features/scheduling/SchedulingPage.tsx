import { useSearchParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { PageHeader, Tabs } from '../../ui/index.ts';
import { AvailabilityEditor } from './AvailabilityEditor.tsx';
import { CalendarView } from './CalendarView.tsx';
import { CalendarsSettings } from './CalendarsSettings.tsx';
import { TypesEditor } from './TypesEditor.tsx';

type Tab = 'calendar' | 'types' | 'hours' | 'calendars';

/** Scheduling for staff: the week/day calendar, appointment types, working hours, connected calendars. */
export default function SchedulingPage() {
  const [params, setParams] = useSearchParams();
  const tab = (params.get('tab') as Tab | null) ?? 'calendar';
  const canWrite = useCan('scheduling.write');
  return (
    <>
      <PageHeader title="Scheduling" subtitle="Appointments, booking pages and working hours" />
      <Tabs
        tabs={[
          { id: 'calendar', label: 'Calendar' },
          { id: 'types', label: 'Appointment types' },
          ...(canWrite
            ? [
                { id: 'hours' as const, label: 'Working hours' },
                { id: 'calendars' as const, label: 'Calendars' },
              ]
            : []),
        ]}
        value={tab}
        onChange={(t) => setParams(t === 'calendar' ? {} : { tab: t }, { replace: true })}
      />
      <div className="mt-5">
        {tab === 'calendar' ? <CalendarView /> : null}
        {tab === 'types' ? <TypesEditor /> : null}
        {tab === 'hours' && canWrite ? <AvailabilityEditor /> : null}
        {tab === 'calendars' && canWrite ? <CalendarsSettings /> : null}
      </div>
    </>
  );
}
