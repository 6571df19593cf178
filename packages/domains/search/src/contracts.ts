// Public contracts of the search domain: DTO schemas other packages may import.
import { z } from 'zod';

export const searchableTypes = ['client', 'contact', 'deal', 'project', 'task'] as const;
export const searchableTypeSchema = z.enum(searchableTypes);
export type SearchableType = z.infer<typeof searchableTypeSchema>;

export const searchQueryInput = z.object({
  q: z.string().trim().min(1).max(200),
  limit: z.number().int().min(1).max(100).default(20),
  types: z.array(searchableTypeSchema).min(1).max(searchableTypes.length).optional(),
});
export type SearchQueryInput = z.infer<typeof searchQueryInput>;

export const searchHitSchema = z.object({
  type: searchableTypeSchema,
  id: z.uuid(),
  title: z.string(),
  subtitle: z.string().nullable(),
  client_id: z.uuid().nullable(),
  parent_id: z.uuid().nullable(),
  score: z.number(),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const searchResultSchema = z.object({
  /** Groups ordered by their best hit; hits within a group by score. */
  groups: z.array(z.object({ type: searchableTypeSchema, hits: z.array(searchHitSchema) })),
  total: z.number().int(),
});
export type SearchResult = z.infer<typeof searchResultSchema>;
