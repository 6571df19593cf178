export { communicationsModule } from './module.ts';
export { communicationsRouter, type CommunicationsRouter } from './router.ts';
export * from './contracts.ts';
