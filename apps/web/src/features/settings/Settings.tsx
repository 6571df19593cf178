import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { PageHeader, Tabs } from '../../ui/index.ts';
import { MembersTab } from './Members.tsx';
import { InvitationsTab } from './Invitations.tsx';
import { RolesTab } from './Roles.tsx';
import { CustomFieldsTab } from './CustomFields.tsx';
import { PipelineTab } from './Pipeline.tsx';
import { SearchIndexTab } from './SearchIndex.tsx';
import { IntegrationsTab } from './Integrations.tsx';
import { EmailAccountsTab } from '../inbox/EmailAccounts.tsx';
import { EmailSettingsTab } from '../communications/EmailSettings.tsx';
import { NotificationPreferencesTab } from '../communications/NotificationPreferences.tsx';
import { PortalSettingsTab } from '../portal/PortalSettings.tsx';
import { CalendarsSettings } from '../scheduling/CalendarsSettings.tsx';
import { FilesSettingsTab } from '../files/FilesSettings.tsx';
import { ApiKeysTab } from './ApiKeys.tsx';

type TabId =
  | 'members'
  | 'invitations'
  | 'roles'
  | 'fields'
  | 'pipeline'
  | 'search'
  | 'integrations'
  | 'mailboxes'
  | 'notifications'
  | 'email'
  | 'portal'
  | 'calendars'
  | 'files'
  | 'apiKeys';

export default function SettingsPage() {
  const [params, setParams] = useSearchParams();
  const canInvite = useCan('identity.member.invite');
  const canRoles = useCan('identity.role.manage');
  const canCrmSettings = useCan('crm.settings.manage');
  const canReadDeals = useCan('crm.deal.read');
  // "integrations.manage": the rest see no Integrations tab at all.
  const canIntegrations = useCan('platform.integrations.manage');
  const canMailboxes = useCan('communications.mailbox.use');
  const canNotifications = useCan('communications.notifications.use');
  const canOutgoing = useCan('communications.outgoing.read');
  const canPortal = useCan('portal.settings.read');
  const canCalendars = useCan('scheduling.write');
  const canFiles = useCan('files.settings.read');
  const canApiKeys = useCan('identity.api_key.manage');
  const tabs: { id: TabId; label: string }[] = [
    { id: 'members', label: 'Members' },
    ...(canInvite ? [{ id: 'invitations' as const, label: 'Invitations' }] : []),
    ...(canRoles ? [{ id: 'roles' as const, label: 'Roles & permissions' }] : []),
    ...(canCrmSettings ? [{ id: 'fields' as const, label: 'Custom fields' }] : []),
    ...(canCrmSettings || canReadDeals ? [{ id: 'pipeline' as const, label: 'Pipeline stages' }] : []),
    // Everyone sees it; the rebuild control is disabled without search.admin.
    { id: 'search', label: 'Search index' },
    ...(canIntegrations ? [{ id: 'integrations' as const, label: 'Integrations' }] : []),
    ...(canMailboxes ? [{ id: 'mailboxes' as const, label: 'Email accounts' }] : []),
    ...(canNotifications ? [{ id: 'notifications' as const, label: 'Notifications' }] : []),
    ...(canOutgoing ? [{ id: 'email' as const, label: 'Email' }] : []),
    ...(canPortal ? [{ id: 'portal' as const, label: 'Portal' }] : []),
    ...(canCalendars ? [{ id: 'calendars' as const, label: 'Calendars' }] : []),
    ...(canFiles ? [{ id: 'files' as const, label: 'Files' }] : []),
    ...(canApiKeys ? [{ id: 'apiKeys' as const, label: 'API keys' }] : []),
  ];
  const requested = params.get('tab') as TabId | null;
  const [fallback] = useState<TabId>('members');
  const tab = tabs.some((t) => t.id === requested) ? (requested as TabId) : fallback;
  return (
    <>
      <PageHeader title="Settings" subtitle="Your organization, its people and how records are shaped." />
      <Tabs tabs={tabs} value={tab} onChange={(id) => setParams({ tab: id }, { replace: true })} />
      <div className="mt-5">
        {tab === 'members' ? <MembersTab /> : null}
        {tab === 'invitations' ? <InvitationsTab /> : null}
        {tab === 'roles' ? <RolesTab /> : null}
        {tab === 'fields' ? <CustomFieldsTab /> : null}
        {tab === 'pipeline' ? <PipelineTab /> : null}
        {tab === 'search' ? <SearchIndexTab /> : null}
        {tab === 'integrations' ? <IntegrationsTab /> : null}
        {tab === 'mailboxes' ? <EmailAccountsTab /> : null}
        {tab === 'notifications' ? <NotificationPreferencesTab /> : null}
        {tab === 'email' ? <EmailSettingsTab /> : null}
        {tab === 'portal' ? <PortalSettingsTab /> : null}
        {tab === 'calendars' ? <CalendarsSettings /> : null}
        {tab === 'files' ? <FilesSettingsTab /> : null}
        {tab === 'apiKeys' ? <ApiKeysTab /> : null}
      </div>
    </>
  );
}
