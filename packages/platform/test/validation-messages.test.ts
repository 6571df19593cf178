import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeValidation, fieldWords, installValidationMessages } from '../src/validation-messages.ts';

installValidationMessages();

function messagesOf(schema: z.ZodType, input: unknown): { path: PropertyKey[]; code: string; message: string }[] {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected the input to be refused');
  return result.error.issues.map((issue) => ({ path: issue.path, code: issue.code, message: issue.message }));
}

describe('validation messages in words', () => {
  const client = z.strictObject({
    name: z.string().trim().min(1).max(300),
    status: z.enum(['lead', 'active', 'past']).optional(),
    clientId: z.uuid().optional(),
    email: z.email().optional(),
    website: z.url().optional(),
    seats: z.number().int().min(1).max(50).optional(),
    tags: z.array(z.string()).max(2).optional(),
    expectedCloseDate: z.iso.date().optional(),
  });

  it('says each refusal as a sentence about the field, keeping the path and code', () => {
    expect(messagesOf(client, { name: 'x'.repeat(301) })).toEqual([{ path: ['name'], code: 'too_big', message: 'Use 300 characters or fewer' }]);
    expect(messagesOf(client, { name: '  ' })).toEqual([{ path: ['name'], code: 'too_small', message: 'Enter a name' }]);
    expect(messagesOf(client, {})).toEqual([{ path: ['name'], code: 'invalid_type', message: 'Name is required' }]);
    expect(messagesOf(client, { name: 'A', status: 'nope' })[0]?.message).toBe('Status must be Lead, Active or Past');
    expect(messagesOf(client, { name: 'A', clientId: 'x' })[0]?.message).toBe('Choose a client');
    expect(messagesOf(client, { name: 'A', email: 'nope' })[0]?.message).toBe('Enter an email address such as name@example.com');
    expect(messagesOf(client, { name: 'A', website: 'nope' })[0]?.message).toBe('Enter a web address such as https://example.com');
    expect(messagesOf(client, { name: 'A', seats: 0 })[0]?.message).toBe('Seats must be 1 or more');
    expect(messagesOf(client, { name: 'A', seats: 1.5 })[0]?.message).toBe('Seats must be a whole number');
    expect(messagesOf(client, { name: 'A', seats: '3' })[0]?.message).toBe('Seats must be a number');
    expect(messagesOf(client, { name: 'A', tags: ['a', 'b', 'c'] })[0]?.message).toBe('Choose at most 2');
    expect(messagesOf(client, { name: 'A', expectedCloseDate: '31/12' })[0]?.message).toBe('Expected close date must be a date');
    expect(messagesOf(client, { name: 'A', colour: 'red' })[0]).toMatchObject({ code: 'unrecognized_keys', message: 'This field is not known here: colour' });
  });

  it("keeps a schema's own message", () => {
    expect(messagesOf(z.object({ clientId: z.uuid({ message: 'Pick the client again' }) }), { clientId: 'x' })[0]?.message).toBe('Pick the client again');
  });

  it('names fields in words and sums up a request', () => {
    expect(fieldWords(['ownerId'])).toBe('owner');
    expect(fieldWords(['lines', 3, 'unitPrice'])).toBe('unit price');
    expect(fieldWords(['assigneeIds'])).toBe('assignees');
    expect(fieldWords([])).toBeNull();
    expect(describeValidation([{ path: ['name'], message: 'Use 300 characters or fewer' }])).toBe('Name: Use 300 characters or fewer.');
    expect(describeValidation([{ path: ['status'], message: 'Status must be Lead, Active or Past' }])).toBe('Status must be Lead, Active or Past.');
    expect(
      describeValidation([
        { path: ['name'], message: 'Enter a name' },
        { path: ['clientId'], message: 'Choose a client' },
      ]),
    ).toBe('Enter a name; Choose a client.');
  });
});
