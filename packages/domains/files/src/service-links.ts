import { DomainError, type Context } from '@ubos/platform';
import type {
  CompleteLinkUploadInput,
  CreateLinkUploadInput,
  FinishedRequestDto,
  FinishRequestLinkInput,
  LinkUploadResultDto,
  RequestLinkDto,
  RequestLinkInput,
  UploadTicketDto,
} from './contracts.ts';

const notYet = () => new DomainError('PRECONDITION_FAILED', 'Not built yet');
export async function openLink(_ctx: Context, _input: RequestLinkInput): Promise<RequestLinkDto> {
  throw notYet();
}
export async function createLinkUpload(_ctx: Context, _input: CreateLinkUploadInput): Promise<UploadTicketDto> {
  throw notYet();
}
export async function completeLinkUpload(_ctx: Context, _input: CompleteLinkUploadInput): Promise<LinkUploadResultDto> {
  throw notYet();
}
export async function finishLink(_ctx: Context, _input: FinishRequestLinkInput): Promise<FinishedRequestDto> {
  throw notYet();
}
