import * as DM from '@radix-ui/react-dropdown-menu';
import { useNavigate } from 'react-router';
import { useCan } from '../../app/session.tsx';
import { cn } from '../../lib/cn.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Spinner } from '../../ui/index.ts';

type Notification = RouterOutputs['communications']['notifications']['list']['items'][number];

function BellIcon({ className }: { className?: string }) {
  return (
    <svg
      viewBox="0 0 20 20"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.6}
      strokeLinecap="round"
      strokeLinejoin="round"
      className={className}
      aria-hidden="true"
    >
      <path d="M5 8a5 5 0 0 1 10 0c0 4 1.5 5.5 1.5 5.5h-13S5 12 5 8Zm3.5 8a1.5 1.5 0 0 0 3 0" />
    </svg>
  );
}

/**
 * The bell in the staff header: the unread count (refreshed every 30 s and when opened), the newest
 * notifications, mark one (by opening it) or all read, and a link to the preferences.
 */
export function NotificationBell() {
  const allowed = useCan('communications.notifications.use');
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  const list = trpc.communications.notifications.list.useQuery(
    { limit: 10, unreadOnly: false },
    { enabled: allowed, refetchInterval: 30_000, refetchOnWindowFocus: true, retry: false },
  );
  const invalidate = () => void utils.communications.notifications.list.invalidate();
  const markRead = trpc.communications.notifications.markRead.useMutation({ onSettled: invalidate });
  const markAllRead = trpc.communications.notifications.markAllRead.useMutation({ onSettled: invalidate });
  if (!allowed) return null;
  const unread = list.data?.unread ?? 0;

  function open(notification: Notification) {
    if (!notification.readAt) markRead.mutate({ ids: [notification.id] });
    if (notification.link) navigate(notification.link);
  }

  return (
    <DM.Root onOpenChange={(isOpen) => (isOpen ? void list.refetch() : undefined)}>
      <DM.Trigger asChild>
        <button
          type="button"
          className="relative flex size-8 items-center justify-center rounded-full text-slate-500 hover:bg-slate-100 hover:text-slate-800"
          aria-label={unread > 0 ? `Notifications, ${unread} unread` : 'Notifications'}
          data-testid="notification-bell"
        >
          <BellIcon className="size-5" />
          {unread > 0 ? (
            <span
              className="absolute -top-0.5 -right-0.5 flex h-4 min-w-4 items-center justify-center rounded-full bg-rose-600 px-1 text-[10px] font-semibold text-white"
              data-testid="notification-count"
            >
              {unread > 99 ? '99+' : unread}
            </span>
          ) : null}
        </button>
      </DM.Trigger>
      <DM.Portal>
        <DM.Content align="end" sideOffset={6} className="z-50 w-80 max-w-[calc(100vw-1rem)] rounded-lg bg-white text-sm shadow-lg ring-1 ring-slate-200">
          <div className="flex items-center justify-between border-b border-slate-100 px-3 py-2">
            <span className="font-semibold text-slate-900">Notifications</span>
            <button
              type="button"
              className="text-xs font-medium text-indigo-600 hover:text-indigo-500 disabled:text-slate-300"
              disabled={unread === 0 || markAllRead.isPending}
              onClick={() => markAllRead.mutate()}
            >
              Mark all read
            </button>
          </div>
          <div className="max-h-96 overflow-y-auto p-1" data-testid="notification-list">
            {list.isPending ? (
              <div className="flex justify-center p-4">
                <Spinner />
              </div>
            ) : list.error ? (
              <p className="p-3 text-rose-600" role="alert">
                Could not load notifications: {errorMessage(list.error)}
              </p>
            ) : list.data.items.length === 0 ? (
              <p className="p-4 text-center text-slate-500">Nothing new. Notifications from workflows and task assignments appear here.</p>
            ) : (
              list.data.items.map((notification) => (
                <DM.Item
                  key={notification.id}
                  onSelect={() => open(notification)}
                  className={cn(
                    'flex cursor-pointer gap-2 rounded-md px-2 py-2 outline-none data-[highlighted]:bg-slate-100',
                    notification.readAt ? 'text-slate-500' : 'text-slate-900',
                  )}
                >
                  <span className={cn('mt-1.5 size-2 shrink-0 rounded-full', notification.readAt ? 'bg-transparent' : 'bg-indigo-600')} aria-hidden="true" />
                  <span className="min-w-0 flex-1">
                    <span className={cn('block truncate', notification.readAt ? '' : 'font-medium')}>
                      {notification.title}
                      {notification.readAt ? null : <span className="sr-only"> (unread)</span>}
                    </span>
                    {notification.body ? <span className="block truncate text-xs text-slate-500">{notification.body}</span> : null}
                    <span className="block text-[11px] text-slate-400">{formatDateTime(notification.createdAt)}</span>
                  </span>
                </DM.Item>
              ))
            )}
          </div>
          <div className="border-t border-slate-100 px-3 py-2 text-xs">
            <DM.Item asChild>
              <button
                type="button"
                className="font-medium text-slate-600 outline-none hover:text-slate-900"
                onClick={() => navigate('/settings?tab=notifications')}
              >
                Notification preferences
              </button>
            </DM.Item>
          </div>
        </DM.Content>
      </DM.Portal>
    </DM.Root>
  );
}
