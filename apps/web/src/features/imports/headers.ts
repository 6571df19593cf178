// CSV import: which field a column header most likely means, from the names spreadsheets and other
// CRMs export ("Company Name", "Organization", "E-mail", "Surname"…), and why an import cannot start.

export type ImportKind = 'clients' | 'contacts';

const normalize = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Header names per field, compared without case, spaces or punctuation. */
const synonyms: Record<ImportKind, Record<string, readonly string[]>> = {
  clients: {
    name: [
      'name',
      'company',
      'company name',
      'companyname',
      'organization',
      'organisation',
      'organization name',
      'org',
      'client',
      'client name',
      'account',
      'account name',
      'business',
      'business name',
      'customer',
      'customer name',
    ],
    domain: ['domain', 'company domain', 'email domain', 'domain name'],
    website: ['website', 'web site', 'url', 'homepage', 'home page', 'site', 'web', 'company website'],
    status: ['status', 'lifecycle', 'lifecycle stage', 'client status'],
    tags: ['tags', 'tag', 'labels', 'label', 'categories', 'category'],
  },
  contacts: {
    name: ['name', 'full name', 'contact', 'contact name', 'person', 'display name'],
    first_name: ['first name', 'firstname', 'given name', 'forename', 'first'],
    last_name: ['last name', 'lastname', 'surname', 'family name', 'last'],
    email: ['email', 'e-mail', 'email address', 'e-mail address', 'mail', 'work email', 'primary email'],
    phone: ['phone', 'telephone', 'phone number', 'tel', 'mobile', 'mobile phone', 'cell', 'work phone'],
    title: ['title', 'job title', 'position', 'job'],
    tags: ['tags', 'tag', 'labels', 'label'],
    company: ['company', 'company name', 'organization', 'organisation', 'account', 'account name', 'employer', 'client'],
    role: ['role', 'relationship'],
  },
};

/** Column → field for every header recognized (a field goes to its first column only). */
export function guessMapping(kind: ImportKind, headers: readonly string[], targets: readonly { value: string; label: string }[]): Record<string, string> {
  const mapping: Record<string, string> = {};
  const used = new Set<string>();
  const allowed = new Set(targets.map((t) => t.value));
  for (const header of headers) {
    const key = normalize(header);
    if (!key) continue;
    // Exact field or label first (a custom field "Industry"), then the known synonyms.
    const exact = targets.find((t) => !used.has(t.value) && (normalize(t.value.replace('custom.', '')) === key || normalize(t.label) === key));
    const known = Object.entries(synonyms[kind]).find(
      ([field, names]) => allowed.has(field) && !used.has(field) && names.some((n) => normalize(n) === key),
    )?.[0];
    const field = exact?.value ?? known;
    if (field) {
      mapping[header] = field;
      used.add(field);
    }
  }
  return mapping;
}

/** Why the import cannot start with this mapping, in words; null when it can. */
export function mappingProblem(kind: ImportKind, mapping: Record<string, string>): string | null {
  const fields = new Set(Object.values(mapping).filter(Boolean));
  if (kind === 'clients' && !fields.has('name')) {
    return 'No column is imported as the client’s Name, and every client needs one. Choose the column that holds the company name (for example “Company Name”) and set it to Name.';
  }
  if (kind === 'contacts' && !['name', 'first_name', 'last_name', 'email'].some((f) => fields.has(f))) {
    return 'No column is imported as the contact’s name or email, and every contact needs one of them. Set a column to Full name, First name, Last name or Email.';
  }
  return null;
}
