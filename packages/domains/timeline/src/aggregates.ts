/**
 * Aggregate types are `<domain>.<entity>` (ARCHITECTURE.md §5). Events written before that rule
 * carried a bare entity name; they stay in outboxes (and replay into the timeline) as they were,
 * so rows recorded from them keep the old string. The entity filter matches both spellings.
 */
const legacyAggregateTypes: Readonly<Record<string, string>> = {
  project: 'projects.project',
  task: 'projects.task',
  milestone: 'projects.milestone',
  template: 'projects.template',
  workflow_definition: 'workflow.definition',
  workflow_run: 'workflow.run',
  workflow_notification: 'workflow.notification',
};

/** The `<domain>.<entity>` name of an aggregate type, old spelling or new. */
function canonicalAggregateType(type: string): string {
  return legacyAggregateTypes[type] ?? type;
}

/** Every spelling rows of this aggregate type may be recorded under: the canonical one first. */
export function aggregateTypeSpellings(type: string): string[] {
  const canonical = canonicalAggregateType(type);
  return [canonical, ...Object.keys(legacyAggregateTypes).filter((legacy) => legacyAggregateTypes[legacy] === canonical)];
}
