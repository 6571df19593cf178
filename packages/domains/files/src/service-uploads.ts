import { DomainError, type DomainContext } from '@ubos/platform';
import type { CompleteUploadInput, CreateUploadInput, UploadResultDto, UploadTicketDto } from './contracts.ts';

const notYet = () => new DomainError('PRECONDITION_FAILED', 'Not built yet');
export async function createUpload(_ctx: DomainContext, _input: CreateUploadInput): Promise<UploadTicketDto> {
  throw notYet();
}
export async function completeUpload(_ctx: DomainContext, _input: CompleteUploadInput): Promise<UploadResultDto> {
  throw notYet();
}
