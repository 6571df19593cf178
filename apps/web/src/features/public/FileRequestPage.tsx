import { useState, type ReactNode } from 'react';
import { useParams } from 'react-router';
import { errorCode, errorMessage, fieldErrors } from '../../lib/errors.ts';
import { formatDate } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Button, Field, Input, Spinner } from '../../ui/index.ts';
import { DropZone } from '../files/DropZone.tsx';
import { formatBytes } from '../files/format.ts';
import { declaredType } from '../files/staff.ts';
import type { LinkUploadResult, RequestLink } from '../files/types.ts';
import { UploadQueue } from '../files/UploadQueue.tsx';
import { acceptAttribute, describeTypes } from '../files/upload.ts';
import { useUploadQueue } from '../files/useUploadQueue.ts';

/**
 * The public page of a file request (/upload/:token): no login, no staff procedure. It shows the
 * organization's name and logo and the link's limits, takes files with a progress bar each, and
 * Finish tells the firm. Large touch targets, one column on a phone.
 */
export default function FileRequestPage() {
  const { token = '' } = useParams();
  const link = trpc.files.requestLinks.open.useQuery({ token }, { retry: false, refetchOnWindowFocus: false, staleTime: Number.POSITIVE_INFINITY });
  if (link.isPending) {
    return (
      <Shell>
        <div className="flex min-h-64 items-center justify-center text-slate-400" role="status" aria-label="Loading">
          <Spinner className="size-6" />
        </div>
      </Shell>
    );
  }
  if (link.error) {
    const code = errorCode(link.error);
    const invalid = code === 'BAD_REQUEST' || code === 'NOT_FOUND' || code === 'UNAUTHORIZED' || code === 'FORBIDDEN';
    return (
      <Shell>
        <Notice
          tone="rose"
          title={invalid ? 'This link does not work' : 'The page could not be loaded'}
          body={
            invalid
              ? 'Check that you opened the whole link from the message you received, or ask the sender for a new one.'
              : `${errorMessage(link.error)} Please try again in a moment.`
          }
        />
      </Shell>
    );
  }
  return <RequestForm token={token} link={link.data} />;
}

function Shell({ link, children }: { link?: RequestLink; children: ReactNode }) {
  const org = link?.organization;
  return (
    <div className="min-h-full bg-slate-50">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-2xl items-center gap-3 px-4 py-3 sm:px-6">
          {org?.logoUrl ? (
            <img src={org.logoUrl} alt="" className="size-9 rounded-md object-contain" />
          ) : org ? (
            <span className="flex size-9 items-center justify-center rounded-md bg-indigo-600 text-sm font-bold text-white" aria-hidden="true">
              {org.name.slice(0, 1).toUpperCase()}
            </span>
          ) : null}
          <span className="truncate text-base font-semibold text-slate-900" data-testid="request-org">
            {org?.name ?? 'Secure file upload'}
          </span>
        </div>
      </header>
      <main className="mx-auto max-w-2xl px-4 py-6 sm:px-6 sm:py-10">{children}</main>
    </div>
  );
}

function Notice({ tone, title, body }: { tone: 'rose' | 'amber' | 'green'; title: string; body: ReactNode }) {
  const tones = {
    rose: 'bg-rose-50 text-rose-900 ring-rose-200',
    amber: 'bg-amber-50 text-amber-900 ring-amber-200',
    green: 'bg-emerald-50 text-emerald-900 ring-emerald-200',
  } as const;
  return (
    <div className={`rounded-xl px-5 py-6 ring-1 ${tones[tone]}`} role={tone === 'green' ? 'status' : 'alert'} data-testid="request-notice">
      <h1 className="text-lg font-semibold">{title}</h1>
      <div className="mt-1.5 text-sm leading-relaxed opacity-90">{body}</div>
    </div>
  );
}

const closedTitles = {
  expired: 'This link has expired',
  revoked: 'This link was withdrawn',
  completed: 'These files were already sent',
} as const;

function RequestForm({ token, link }: { token: string; link: RequestLink }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [remaining, setRemaining] = useState(link.remainingFiles);
  const [finished, setFinished] = useState<number | null>(null);
  const [detailsError, setDetailsError] = useState<Record<string, string>>({});
  const utils = trpc.useUtils();
  const finish = trpc.files.requestLinks.finish.useMutation({ onSuccess: (result) => setFinished(result.filesReceived) });
  const needsName = link.requireUploaderName;
  const needsEmail = link.requireUploaderEmail;
  const detailsMissing = (needsName && !name.trim()) || (needsEmail && !/^\S+@\S+\.\S+$/.test(email.trim()));
  const queue = useUploadQueue<LinkUploadResult>(
    {
      limits: { maxBytes: link.maxBytesPerFile, allowedTypes: link.allowedTypes },
      precheck: (_file, accepted) => (accepted >= link.remainingFiles ? `No more files: this link takes at most ${link.maxFiles}.` : null),
      create: async (file) => {
        try {
          return await utils.client.files.requestLinks.createUpload.mutate({
            token,
            name: file.name,
            contentType: declaredType(file),
            size: file.size,
            ...(name.trim() ? { uploaderName: name.trim() } : {}),
            ...(email.trim() ? { uploaderEmail: email.trim() } : {}),
          });
        } catch (error) {
          const issues = fieldErrors(error);
          if (issues.uploaderName || issues.uploaderEmail) setDetailsError(issues);
          throw error;
        }
      },
      complete: (uploadId) => utils.client.files.requestLinks.completeUpload.mutate({ token, uploadId }),
      rejection: (result) => (result.status === 'rejected' ? result.reason : null),
      onDone: (result) => setRemaining(result.remainingFiles),
    },
    { concurrency: 2 },
  );

  if (finished !== null) {
    return (
      <Shell link={link}>
        <Notice
          tone="green"
          title="Thank you, your files were sent"
          body={`${link.organization.name} received ${finished} file${finished === 1 ? '' : 's'} for “${link.label}”. You can close this page.`}
        />
      </Shell>
    );
  }
  if (link.state !== 'open') {
    return (
      <Shell link={link}>
        <Notice
          tone={link.state === 'completed' ? 'green' : 'amber'}
          title={closedTitles[link.state]}
          body={link.message ?? `This link no longer takes files. If you still need to send something, ask ${link.organization.name} for a new link.`}
        />
      </Shell>
    );
  }

  const uploaded = queue.items.filter((i) => i.status === 'done').length;
  const limits = [
    `Up to ${link.maxFiles} file${link.maxFiles === 1 ? '' : 's'}`,
    `${formatBytes(link.maxBytesPerFile)} each at most`,
    link.allowedTypes.length > 0 ? `${describeTypes(link.allowedTypes)} only` : null,
    `open until ${formatDate(link.expiresAt)}`,
  ].filter(Boolean);

  return (
    <Shell link={link}>
      <div className="space-y-6">
        <div>
          <p className="text-sm text-slate-500">{link.organization.name} asks you for</p>
          <h1 className="mt-1 text-2xl font-semibold tracking-tight text-slate-900" data-testid="request-label">
            {link.label}
          </h1>
          <ul className="mt-3 flex flex-wrap gap-2 text-xs text-slate-600" aria-label="Limits" data-testid="request-limits">
            {limits.map((l) => (
              <li key={l} className="rounded-full bg-white px-2.5 py-1 ring-1 ring-slate-200">
                {l}
              </li>
            ))}
          </ul>
        </div>

        {needsName || needsEmail ? (
          <div className="grid gap-4 rounded-xl bg-white p-4 ring-1 ring-slate-200 sm:grid-cols-2">
            {needsName ? (
              <Field label="Your name" required error={detailsError.uploaderName}>
                <Input className="h-11 text-base" autoComplete="name" value={name} onChange={(e) => (setName(e.target.value), setDetailsError({}))} />
              </Field>
            ) : null}
            {needsEmail ? (
              <Field label="Your email" required error={detailsError.uploaderEmail}>
                <Input
                  className="h-11 text-base"
                  type="email"
                  inputMode="email"
                  autoComplete="email"
                  value={email}
                  onChange={(e) => (setEmail(e.target.value), setDetailsError({}))}
                />
              </Field>
            ) : null}
          </div>
        ) : null}

        <div>
          <DropZone large accept={acceptAttribute(link.allowedTypes)} disabled={detailsMissing || remaining <= 0} onFiles={(files) => queue.add(files)}>
            {detailsMissing
              ? `First fill in your ${[needsName && !name.trim() ? 'name' : null, needsEmail ? 'email' : null].filter(Boolean).join(' and ')} above.`
              : remaining <= 0
                ? 'The file limit of this link is reached.'
                : `${remaining} more file${remaining === 1 ? '' : 's'} can be sent`}
          </DropZone>
        </div>

        <UploadQueue items={queue.items} onCancel={queue.cancel} onRetry={queue.retry} large />

        <div className="flex flex-col gap-2 border-t border-slate-200 pt-5 sm:flex-row sm:items-center sm:justify-between">
          <p className="text-sm text-slate-600" aria-live="polite">
            {queue.busy
              ? 'Uploading… keep this page open.'
              : uploaded > 0
                ? `${uploaded} file${uploaded === 1 ? '' : 's'} uploaded. Press Finish when you are done.`
                : 'Add your files, then press Finish.'}
          </p>
          <Button
            variant="primary"
            className="h-12 px-6 text-base sm:h-10"
            disabled={uploaded === 0 || queue.busy}
            loading={finish.isPending}
            onClick={() => finish.mutate({ token })}
          >
            Finish
          </Button>
        </div>
        {finish.error ? (
          <p className="text-sm text-rose-600" role="alert">
            {errorMessage(finish.error)}
          </p>
        ) : null}
      </div>
    </Shell>
  );
}
