import { DomainError, type DomainContext } from '@ubos/platform';
import type {
  AttachedDto,
  AttachToProjectInput,
  DownloadUrlDto,
  DownloadUrlInput,
  FileDto,
  FilePageDto,
  FileVersionDto,
  ListFilesInput,
  MoveFileInput,
  RenameFileInput,
} from './contracts.ts';

const notYet = () => new DomainError('PRECONDITION_FAILED', 'Not built yet');
export async function listFiles(_ctx: DomainContext, _input: ListFilesInput): Promise<FilePageDto> {
  throw notYet();
}
export async function getFile(_ctx: DomainContext, _id: string): Promise<FileDto> {
  throw notYet();
}
export async function renameFile(_ctx: DomainContext, _input: RenameFileInput): Promise<FileDto> {
  throw notYet();
}
export async function moveFile(_ctx: DomainContext, _input: MoveFileInput): Promise<FileDto> {
  throw notYet();
}
export async function archiveFile(_ctx: DomainContext, _id: string): Promise<FileDto> {
  throw notYet();
}
export async function restoreFile(_ctx: DomainContext, _id: string): Promise<FileDto> {
  throw notYet();
}
export async function listVersions(_ctx: DomainContext, _id: string): Promise<FileVersionDto[]> {
  throw notYet();
}
export async function downloadUrl(_ctx: DomainContext, _input: DownloadUrlInput): Promise<DownloadUrlDto> {
  throw notYet();
}
export async function attachToProject(_ctx: DomainContext, _input: AttachToProjectInput): Promise<AttachedDto> {
  throw notYet();
}
