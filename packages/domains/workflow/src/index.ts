// The workflow package entry: the module the host registers, the engine a worker starts, and the contracts.
export { workflowModule } from './module.ts';
export { workflowRouter } from './router.ts';
export type WorkflowRouter = typeof import('./router.ts').workflowRouter;
export { workflowTrigger } from './handlers.ts';
export { createWorkflowEngine, bossDatabase, STEP_QUEUE, CRON_QUEUE, WAKEUP_CHANNEL, type WorkflowEngine, type WorkflowEngineOptions } from './engine.ts';
export { coreActions, coreWait, coreNotify } from './actions.ts';
export { validateDefinition, assertValidDefinition, type ValidationResult } from './validation.ts';
export { dryRun, type DryRunResult } from './dry-run.ts';
export { workflowTemplates, findTemplate, type WorkflowTemplate } from './flagship.ts';
export {
  resolvePath,
  renderTemplate,
  renderString,
  evaluateCondition,
  traceCondition,
  TemplateError,
  LIMITS as interpreterLimits,
  type ConditionTrace,
} from './interpreter.ts';
export { eventContext, startRunsForEvent, startScheduledRun, wakeupScheduler, type StepTarget, type StepScheduler } from './runtime.ts';
export * from './contracts.ts';
