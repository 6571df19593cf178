import { trpc } from '../trpc.ts';
import type { TimelineEntryLike } from '../features/timeline/TimelineList.tsx';

/**
 * `timeline.list` through tRPC. The timeline domain's router is still empty in AppRouter, so
 * this one accessor is typed by hand (input and page shape); the screens using it show their
 * "not available" state at runtime until the procedure exists. Replace with the typed hook
 * when it lands.
 */
export interface TimelineInput {
  clientId?: string;
  types?: string[];
  domain?: string;
  from?: string;
  to?: string;
  limit: number;
}
export interface TimelinePage {
  items: TimelineEntryLike[];
  nextCursor: string | null;
}

interface InfiniteResult {
  data: { pages: TimelinePage[] } | undefined;
  isPending: boolean;
  error: unknown;
  refetch: () => unknown;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

const timelineList = (trpc as unknown as {
  timeline: { list: { useInfiniteQuery: (input: TimelineInput, opts: { getNextPageParam: (last: TimelinePage) => string | undefined; enabled?: boolean; retry?: boolean }) => InfiniteResult } };
}).timeline.list;

export function useTimeline(input: TimelineInput, options: { enabled?: boolean } = {}) {
  const query = timelineList.useInfiniteQuery(input, { getNextPageParam: (last) => last.nextCursor ?? undefined, enabled: options.enabled ?? true, retry: false });
  return { ...query, items: query.data?.pages.flatMap((p) => p.items) ?? [] };
}
