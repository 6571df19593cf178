import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@ubos/platform';
import { summarize } from '../src/summary.ts';

/** Files events read in words on the timeline (through @ubos/files/contracts). */
describe('files summaries', () => {
  const file = {
    file_id: uuidv7(),
    folder_id: uuidv7(),
    name: 'Engagement letter.pdf',
    client_id: uuidv7(),
    project_id: null,
    version: 1,
    size: 12_800,
    content_type: 'application/pdf',
    sha256: 'a'.repeat(64),
    uploaded_by: uuidv7(),
    request_id: null,
    uploader_name: null,
    uploader_email: null,
  };

  it('says what happened to files and folders', () => {
    expect(summarize('files.file.uploaded', file)).toBe('File uploaded: Engagement letter.pdf (12.5 KB)');
    expect(summarize('files.file.uploaded', { ...file, request_id: uuidv7(), uploaded_by: null, uploader_name: 'Cleo Client', size: 300 })).toBe(
      'Cleo Client sent Engagement letter.pdf (300 bytes) through a file request',
    );
    expect(summarize('files.file.versioned', { ...file, version: 3, size: 3 * 1024 * 1024 })).toBe('Version 3 of Engagement letter.pdf uploaded (3 MB)');
    expect(summarize('files.file.renamed', { ...file, previous_name: 'letter.pdf' })).toBe('File "letter.pdf" renamed to "Engagement letter.pdf"');
    expect(summarize('files.file.archived', { ...file, with_folder_id: null })).toBe('File archived: Engagement letter.pdf');
    expect(
      summarize('files.folder.archived', {
        folder_id: uuidv7(),
        parent_id: null,
        name: 'Old',
        client_id: null,
        project_id: null,
        folder_ids: [],
        file_count: 2,
      }),
    ).toBe('Folder "Old" archived with 2 files');
  });

  it('says who sent what when a file request is completed', () => {
    const payload = {
      request_id: uuidv7(),
      label: 'Your 2025 receipts',
      folder_id: uuidv7(),
      client_id: uuidv7(),
      project_id: null,
      file_ids: [uuidv7(), uuidv7()],
      file_names: ['a.pdf', 'b.pdf'],
      file_id: uuidv7(),
      file_name: 'a.pdf',
      requested_by: uuidv7(),
      uploader_name: 'Cleo Client',
      uploader_email: 'cleo@example.test',
    };
    expect(summarize('files.request.completed', payload)).toBe('Cleo Client sent 2 files for "Your 2025 receipts": a.pdf, b.pdf');
    // A payload the contract rejects gets the generic line.
    expect(summarize('files.request.completed', { label: 'x' })).toBe('Request completed');
  });
});
