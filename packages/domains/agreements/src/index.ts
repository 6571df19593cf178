export { agreementsModule } from './module.ts';
export { agreementsRouter, type AgreementsRouter } from './router.ts';
export * from './contracts.ts';
