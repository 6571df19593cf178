import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { errorCode, errorMessage } from '../../lib/errors.ts';
import { formatDate } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Button, Field, FormError, Input, PageSpinner } from '../../ui/index.ts';
import { AuthLayout } from './AuthLayout.tsx';

/** The token comes from /invite/:token or from the fragment of /accept-invitation#token=… (never sent to servers). */
function useInvitationToken(): string {
  const { token } = useParams();
  if (token) return token;
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
}

/**
 * /invite/:token and /accept-invitation#token=…. Opening the link (GET) only previews the
 * invitation; the token is consumed by the POST (mutation) this page sends on accept.
 */
export default function InvitePage() {
  const token = useInvitationToken();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const preview = trpc.identity.invitations.preview.useQuery({ token }, { retry: false });
  const me = trpc.identity.auth.me.useQuery(undefined, { retry: false });
  const [form, setForm] = useState({ name: '', password: '' });
  const done = () => {
    queryClient.clear();
    navigate('/', { replace: true });
  };
  const accept = trpc.identity.invitations.accept.useMutation({ onSuccess: done });
  const acceptWithSignUp = trpc.identity.invitations.acceptWithSignUp.useMutation({ onSuccess: done });

  if (preview.isPending || me.isPending) return <PageSpinner />;
  if (preview.error) {
    return (
      <AuthLayout
        title="Invitation unavailable"
        subtitle={errorCode(preview.error) === 'NOT_FOUND' ? 'This invitation link is invalid, expired or already used.' : errorMessage(preview.error)}
      >
        <Link to="/login" className="text-sm font-medium text-indigo-600">
          Go to log in
        </Link>
      </AuthLayout>
    );
  }
  const invitation = preview.data;
  const signedIn = !!me.data;
  const title = `Join ${invitation.organizationName}`;
  const subtitle = (
    <>
      You were invited as <strong className="font-medium text-slate-700">{invitation.role}</strong> ({invitation.email}). The link expires{' '}
      {formatDate(invitation.expiresAt)}.
    </>
  );

  if (signedIn) {
    const sameEmail = me.data.user.email.toLowerCase() === invitation.email.toLowerCase();
    return (
      <AuthLayout title={title} subtitle={subtitle}>
        <div className="space-y-4">
          <p className="text-sm text-slate-600">
            Signed in as <strong className="font-medium">{me.data.user.email}</strong>.
          </p>
          {!sameEmail ? (
            <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800 ring-1 ring-amber-200">This invitation was sent to another email address.</p>
          ) : null}
          <FormError error={accept.error} />
          <Button variant="primary" className="w-full" loading={accept.isPending} onClick={() => accept.mutate({ token })}>
            Accept invitation
          </Button>
        </div>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title={title}
      subtitle={subtitle}
      footer={
        <>
          Already have an account?{' '}
          <Link to={`/login?next=${encodeURIComponent(`/invite/${token}`)}`} className="font-medium text-indigo-600 hover:text-indigo-500">
            Log in to accept
          </Link>
        </>
      }
    >
      <form
        className="space-y-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          acceptWithSignUp.mutate({ token, ...form });
        }}
      >
        <FormError error={acceptWithSignUp.error} fields={['name', 'password']} />
        <Field label="Email">
          <Input value={invitation.email} disabled readOnly />
        </Field>
        <Field label="Your name" name="name" error={acceptWithSignUp.error}>
          <Input autoComplete="name" value={form.name} onChange={(e) => setForm((f) => ({ ...f, name: e.target.value }))} autoFocus />
        </Field>
        <Field label="Choose a password" name="password" error={acceptWithSignUp.error} hint="At least 10 characters.">
          <Input type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm((f) => ({ ...f, password: e.target.value }))} />
        </Field>
        <Button type="submit" variant="primary" className="w-full" loading={acceptWithSignUp.isPending}>
          Accept and create account
        </Button>
      </form>
    </AuthLayout>
  );
}
