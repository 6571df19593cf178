import { createContext, useContext, type ReactNode } from 'react';
import type { RouterOutputs } from '../trpc.ts';

export type Me = RouterOutputs['identity']['auth']['me'];

const SessionContext = createContext<Me | null>(null);

export function SessionProvider({ me, children }: { me: Me; children: ReactNode }) {
  return <SessionContext.Provider value={me}>{children}</SessionContext.Provider>;
}

export function useMe(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useMe() outside the signed-in area');
  return me;
}

/** Whether the signed-in member's role (with this organization's overrides) grants a permission. */
export function useCan(permission: string): boolean {
  const me = useContext(SessionContext);
  return !!me && (me.permissions as readonly string[]).includes(permission);
}
