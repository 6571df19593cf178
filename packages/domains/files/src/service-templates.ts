import { DomainError, type DomainContext } from '@ubos/platform';
import type { CreateTemplateInput, TemplateDto, UpdateTemplateInput } from './contracts.ts';

const notYet = () => new DomainError('PRECONDITION_FAILED', 'Not built yet');
export async function listTemplates(_ctx: DomainContext): Promise<TemplateDto[]> {
  throw notYet();
}
export async function createTemplate(_ctx: DomainContext, _input: CreateTemplateInput): Promise<TemplateDto> {
  throw notYet();
}
export async function updateTemplate(_ctx: DomainContext, _input: UpdateTemplateInput): Promise<TemplateDto> {
  throw notYet();
}
