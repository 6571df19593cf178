import { DomainError, type DomainContext } from '@ubos/platform';
import type {
  CreatedFoldersDto,
  CreateFolderFromTemplateInput,
  CreateFolderInput,
  FolderArchiveDto,
  FolderDto,
  ListFoldersInput,
  MoveFolderInput,
  RenameFolderInput,
  ArchiveFolderInput,
} from './contracts.ts';

const notYet = () => new DomainError('PRECONDITION_FAILED', 'Not built yet');
export async function createFolder(_ctx: DomainContext, _input: CreateFolderInput): Promise<FolderDto> {
  throw notYet();
}
export async function createFromTemplate(_ctx: DomainContext, _input: CreateFolderFromTemplateInput): Promise<CreatedFoldersDto> {
  throw notYet();
}
export async function listFolders(_ctx: DomainContext, _input: ListFoldersInput): Promise<FolderDto[]> {
  throw notYet();
}
export async function renameFolder(_ctx: DomainContext, _input: RenameFolderInput): Promise<FolderDto> {
  throw notYet();
}
export async function moveFolder(_ctx: DomainContext, _input: MoveFolderInput): Promise<FolderDto> {
  throw notYet();
}
export async function archiveFolder(_ctx: DomainContext, _input: ArchiveFolderInput): Promise<FolderArchiveDto> {
  throw notYet();
}
