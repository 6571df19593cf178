import { describe, expect, it } from 'vitest';
import { guessMapping, mappingProblem } from '../src/features/imports/headers.ts';

const clientTargets = ['name', 'domain', 'website', 'status', 'tags'].map((value) => ({ value, label: value }));
const contactTargets = ['name', 'first_name', 'last_name', 'email', 'phone', 'title', 'tags', 'company', 'role'].map((value) => ({ value, label: value }));

describe('CSV import header mapping', () => {
  it('maps the common header names spreadsheets and other CRMs use', () => {
    expect(guessMapping('clients', ['Company Name', 'Web Site', 'Notes'], clientTargets)).toEqual({ 'Company Name': 'name', 'Web Site': 'website' });
    expect(guessMapping('clients', ['Organization', 'Domain'], clientTargets)).toEqual({ Organization: 'name', Domain: 'domain' });
    expect(guessMapping('contacts', ['First Name', 'Surname', 'E-mail', 'Mobile', 'Organisation'], contactTargets)).toEqual({
      'First Name': 'first_name',
      Surname: 'last_name',
      'E-mail': 'email',
      Mobile: 'phone',
      Organisation: 'company',
    });
    // A field goes to its first column only; a custom field matches by its label.
    expect(guessMapping('clients', ['Company', 'Organization', 'Industry'], [...clientTargets, { value: 'custom.industry', label: 'Industry' }])).toEqual({
      Company: 'name',
      Industry: 'custom.industry',
    });
  });

  it('refuses, saying why, when no column is mapped to the required name field', () => {
    expect(mappingProblem('clients', { Website: 'website' })).toMatch(/No column is imported as the client’s Name/);
    expect(mappingProblem('clients', { 'Company Name': 'name' })).toBeNull();
    expect(mappingProblem('contacts', { Phone: 'phone' })).toMatch(/name or email/);
    expect(mappingProblem('contacts', { 'E-mail': 'email' })).toBeNull();
  });
});
