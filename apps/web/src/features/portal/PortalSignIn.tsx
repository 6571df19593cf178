import { useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { errorCode, errorMessage } from '../../lib/errors.ts';
import { trpc } from '../../trpc.ts';
import { Button, Field, FormError, Input, PageSpinner } from '../../ui/index.ts';
import { PortalHeader } from './PortalShell.tsx';

/**
 * /portal/:slug/sign-in — the emailed link's page. Opening it changes nothing (mail scanners and
 * link previewers fetch it): only the button POSTs the token. Without a token (or once it has
 * failed), it asks for an email address and sends a new link; the answer is the same for every
 * address. The host sends Referrer-Policy: no-referrer with every page.
 */
export default function PortalSignIn() {
  const { slug = '' } = useParams();
  const [params] = useSearchParams();
  // Read once: the token leaves the address bar so it is not kept in history or shown on screen.
  const [token] = useState(() => params.get('token'));
  const [next] = useState(() => params.get('next'));
  const [asking, setAsking] = useState(!token);
  if (token && typeof window !== 'undefined' && window.location.search.includes('token=')) {
    window.history.replaceState(null, '', `/portal/${slug}/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  }
  const branding = trpc.portal.auth.branding.useQuery({ tenantSlug: slug }, { retry: false, staleTime: Number.POSITIVE_INFINITY });
  if (branding.isPending) return <PageSpinner />;
  if (branding.error) {
    return (
      <Centered>
        <h1 className="text-lg font-semibold text-slate-900">This portal was not found</h1>
        <p className="mt-1 text-sm text-slate-600">
          {errorCode(branding.error) === 'NOT_FOUND' ? 'Check the address in the email you were sent.' : errorMessage(branding.error)}
        </p>
      </Centered>
    );
  }
  return (
    <div className="min-h-full bg-slate-50">
      <PortalHeader branding={branding.data} />
      <main className="mx-auto max-w-md px-4 py-10">
        {asking || !token ? (
          <RequestLink slug={slug} next={next} />
        ) : (
          <ConfirmSignIn slug={slug} token={token} next={next} name={branding.data.name} accent={branding.data.accent} onFailed={() => setAsking(true)} />
        )}
      </main>
    </div>
  );
}

function Centered({ children }: { children: React.ReactNode }) {
  return <div className="mx-auto max-w-md px-4 py-16 text-center">{children}</div>;
}

function ConfirmSignIn({
  slug,
  token,
  next,
  name,
  accent,
  onFailed,
}: {
  slug: string;
  token: string;
  next: string | null;
  name: string;
  accent: string;
  onFailed: () => void;
}) {
  const consume = trpc.portal.auth.consume.useMutation({ onSuccess: (result) => window.location.assign(result.redirectTo) });
  return (
    <section className="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <h1 className="text-lg font-semibold text-slate-900">Sign in to {name}</h1>
      <p className="mt-1 text-sm text-slate-600">Press the button to open your client portal. The link works once.</p>
      <Button
        variant="primary"
        className="mt-5 h-11 w-full text-base"
        style={{ backgroundColor: accent }}
        loading={consume.isPending}
        onClick={() => consume.mutate({ tenantSlug: slug, token, ...(next ? { next } : {}) })}
        data-testid="portal-sign-in"
      >
        Sign in
      </Button>
      {consume.error ? (
        <div className="mt-4 rounded-md bg-rose-50 p-3 text-sm text-rose-900" role="alert">
          {errorMessage(consume.error)}{' '}
          <button type="button" className="font-medium underline" onClick={onFailed}>
            Send me a new link
          </button>
        </div>
      ) : null}
    </section>
  );
}

function RequestLink({ slug, next }: { slug: string; next: string | null }) {
  const [email, setEmail] = useState('');
  const request = trpc.portal.auth.requestLink.useMutation();
  if (request.data) {
    return (
      <section className="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" role="status">
        <h1 className="text-lg font-semibold text-slate-900">Check your email</h1>
        <p className="mt-1 text-sm text-slate-600">{request.data.message}</p>
      </section>
    );
  }
  return (
    <section className="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <h1 className="text-lg font-semibold text-slate-900">Sign in to your client portal</h1>
      <p className="mt-1 text-sm text-slate-600">We email you a link that signs you in. No password needed.</p>
      <form
        className="mt-5 grid gap-4"
        onSubmit={(event) => {
          event.preventDefault();
          request.mutate({ tenantSlug: slug, email: email.trim(), ...(next ? { next } : {}) });
        }}
      >
        <Field label="Your email address" name="email" error={request.error}>
          <Input type="email" autoComplete="email" required value={email} onChange={(event) => setEmail(event.target.value)} className="h-11 text-base" />
        </Field>
        <Button type="submit" variant="primary" className="h-11 text-base" loading={request.isPending}>
          Email me a sign-in link
        </Button>
        <FormError error={request.error} fields={['email']} />
      </form>
    </section>
  );
}
