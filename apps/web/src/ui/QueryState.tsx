import type { ReactNode } from 'react';
import { isMissingProcedure } from '../lib/errors.ts';
import { EmptyState, ErrorState } from './States.tsx';
import { SkeletonRows } from './Spinner.tsx';

interface QueryLike<T> {
  isPending: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

/**
 * Renders loading / error / (module not deployed) states for a query, and `children(data)` once loaded.
 * `empty(data)` decides the empty state.
 */
export function QueryState<T>({
  query,
  children,
  isEmpty,
  empty,
  loading,
}: {
  query: QueryLike<T>;
  children: (data: T) => ReactNode;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  loading?: ReactNode;
}) {
  if (query.isPending) return <>{loading ?? <SkeletonRows />}</>;
  if (query.error) {
    if (isMissingProcedure(query.error)) return <EmptyState title="Not available yet" description="This part of UBOS is not enabled on this server." />;
    return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  }
  const data = query.data as T;
  if (isEmpty?.(data)) return <>{empty ?? <EmptyState title="Nothing here yet" />}</>;
  return <>{children(data)}</>;
}
