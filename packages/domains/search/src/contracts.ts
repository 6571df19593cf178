// Public contracts of the search domain: event and DTO schemas other packages may import.
// Nothing is published yet: this domain is not built.
export {};
