import { describe, expect, it } from 'vitest';
import { toTRPCError, uniqueConflictOf } from '../src/errors.ts';

describe('a unique violation in words', () => {
  it('names the field from the key columns, never the constraint', () => {
    expect(uniqueConflictOf('Key (tenant_id, lower(name::text))=(0190f5a2-0000-7000-8000-000000000001, design) already exists.')).toEqual({
      message: 'Another record already uses this name',
      issues: [{ path: ['name'], message: 'This name is already taken', code: 'conflict' }],
    });
    expect(uniqueConflictOf('Key (tenant_id, parent_id, lower(display_name))=(a, b, c) already exists.').issues[0]?.path).toEqual(['displayName']);
    expect(uniqueConflictOf('Key (tenant_id, client_id)=(a, b) already exists.').message).toBe('Another record already uses this client');
    expect(uniqueConflictOf(undefined)).toEqual({ message: 'This record already exists', issues: [] });
  });

  it('maps a Postgres 23505 to CONFLICT with the issue list and without the constraint name', () => {
    const pgError = Object.assign(new Error('duplicate key value violates unique constraint "templates_name_unique"'), {
      code: '23505',
      constraint: 'templates_name_unique',
      detail: 'Key (tenant_id, lower(name))=(0190f5a2-0000-7000-8000-000000000001, onboarding) already exists.',
    });
    const mapped = toTRPCError(pgError);
    expect(mapped.code).toBe('CONFLICT');
    expect(mapped.message).toBe('Another record already uses this name');
    expect(mapped.message).not.toContain('templates_name_unique');
    expect((mapped.cause as { issues?: unknown }).issues).toEqual([expect.objectContaining({ path: ['name'] })]);
  });

  it('maps a NUL or invalid byte sequence from Postgres to BAD_REQUEST', () => {
    const pgError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    expect(toTRPCError(pgError).code).toBe('BAD_REQUEST');
  });
});
