// Public contracts of the crm domain: event and DTO schemas other packages may import.
// Nothing is published yet: this domain is not built.
export {};
