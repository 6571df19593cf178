import { useInfiniteQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';

/**
 * Keyset "Load more" for list procedures whose input has its own `direction` field (tRPC's
 * useInfiniteQuery reserves `cursor` and `direction`, so it cannot drive them).
 */
export function useKeysetList<TInput extends object, TItem>(
  key: string,
  input: TInput,
  fetchPage: (input: TInput & { cursor?: string }) => Promise<{ items: TItem[]; nextCursor: string | null }>,
  options: { enabled?: boolean } = {},
) {
  const query = useInfiniteQuery({
    queryKey: ['keyset', key, input],
    queryFn: ({ pageParam }) => fetchPage(pageParam ? { ...input, cursor: pageParam } : input),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: options.enabled ?? true,
  });
  return { ...query, items: query.data?.pages.flatMap((p) => p.items) ?? [] };
}

export function invalidateKeyset(queryClient: QueryClient, key: string): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: ['keyset', key] });
}

export function useInvalidateKeyset() {
  const queryClient = useQueryClient();
  return (key: string) => invalidateKeyset(queryClient, key);
}
