import { useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { Tabs } from '../../ui/index.ts';
import { SentByUbosTab } from './SentByUbos.tsx';

/** Settings → Email. "Sent by UBOS" is the system-mail log; the mailbox screens of client email may sit beside it. */
export function EmailSettingsTab() {
  const canOutgoing = useCan('communications.outgoing.read');
  const sections: { id: 'sent'; label: string }[] = [...(canOutgoing ? [{ id: 'sent' as const, label: 'Sent by UBOS' }] : [])];
  const [section, setSection] = useState<'sent'>('sent');
  if (sections.length === 0) return <p className="text-sm text-slate-500">Your role has no email settings here.</p>;
  return (
    <div className="space-y-4">
      <Tabs tabs={sections} value={section} onChange={setSection} />
      {section === 'sent' ? <SentByUbosTab /> : null}
    </div>
  );
}
