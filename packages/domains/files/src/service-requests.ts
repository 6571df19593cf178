import { DomainError, type DomainContext } from '@ubos/platform';
import type { CreatedRequestDto, CreateRequestInput, ListRequestsInput, RequestDetailDto, RequestDto, RequestPageDto } from './contracts.ts';

const notYet = () => new DomainError('PRECONDITION_FAILED', 'Not built yet');
export async function createRequest(_ctx: DomainContext, _input: CreateRequestInput, _options: { publicUrl: string | null }): Promise<CreatedRequestDto> {
  throw notYet();
}
export async function listRequests(_ctx: DomainContext, _input: ListRequestsInput): Promise<RequestPageDto> {
  throw notYet();
}
export async function getRequest(_ctx: DomainContext, _id: string): Promise<RequestDetailDto> {
  throw notYet();
}
export async function revokeRequest(_ctx: DomainContext, _id: string): Promise<RequestDto> {
  throw notYet();
}
