export { timelineModule } from './module.ts';
export { timelineRouter } from './router.ts';
export { recordActivity, timelineSubscriptions } from './handlers.ts';
export { summarize, activityOf, clientIdOf } from './summary.ts';
