// Provider adapters (email, ledger, e-sign) behind domain-owned ports. None is built yet.
export {};
