import type { TestProject } from 'vitest/node';
import { prepareTemplateDatabase } from '@ubos/platform/testing';
import { modules } from '../src/modules.ts';

/** Builds the migrated template database every test file clones. */
export default async function setup(project: TestProject): Promise<void> {
  const template = await prepareTemplateDatabase(modules);
  project.provide('ubosTemplateDatabase', template);
}
