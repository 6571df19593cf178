import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { errorCode } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { Button, Field, FormError, Input, PageSpinner } from '../../ui/index.ts';
import { AuthLayout } from './AuthLayout.tsx';

/** The token is in the fragment of /reset-password#token=…: never sent to a server by opening the page. */
function resetToken(): string {
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
}

const WELL_FORMED = /^[a-z2-7]{52}$/;

function Unusable() {
  return (
    <AuthLayout title="This link cannot be used" subtitle="The reset link is invalid, has expired (links work for 30 minutes) or was already used.">
      <div className="flex items-center gap-3 text-sm">
        <Link to="/forgot-password" className="font-medium text-indigo-600 hover:text-indigo-500">
          Ask for a new link
        </Link>
        <Link to="/login" className="text-slate-600 hover:text-slate-900">
          Log in
        </Link>
      </div>
    </AuthLayout>
  );
}

/**
 * Opening the page only checks the link (a query: nothing changes); submitting the form consumes
 * it, sets the password and signs the user out everywhere.
 */
export default function ResetPasswordPage() {
  const [token] = useState(resetToken);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  // A read-only check sent as a POST, so the token never sits in a URL (logs, proxies); it changes nothing.
  const check = trpc.identity.auth.checkPasswordReset.useMutation();
  const reset = trpc.identity.auth.resetPassword.useMutation();
  const wellFormed = WELL_FORMED.test(token);
  const { mutate: runCheck } = check;
  useEffect(() => {
    if (wellFormed) runCheck({ token });
  }, [wellFormed, token, runCheck]);

  if (!wellFormed) return <Unusable />;
  if (check.isIdle || check.isPending) return <PageSpinner />;
  if (reset.isSuccess) {
    return (
      <AuthLayout title="Password changed" subtitle="Your new password is set. Every session of your account was signed out, so log in again.">
        <Link to="/login" className="inline-flex h-8 items-center rounded-md bg-indigo-600 px-3 text-sm font-medium text-white hover:bg-indigo-500">
          Log in
        </Link>
      </AuthLayout>
    );
  }
  if (check.error || !check.data?.valid || errorCode(reset.error) === 'NOT_FOUND') {
    if (check.error && errorCode(check.error) !== 'BAD_REQUEST') {
      return (
        <AuthLayout title="Could not check the link" subtitle="The server did not answer. Reload the page to try again.">
          <Button onClick={() => check.mutate({ token })}>Try again</Button>
        </AuthLayout>
      );
    }
    return <Unusable />;
  }
  return (
    <AuthLayout title="Choose a new password" subtitle={check.data.expiresAt ? `This link works until ${formatDateTime(check.data.expiresAt)}.` : undefined}>
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          if (password !== confirm) {
            setMismatch(true);
            return;
          }
          setMismatch(false);
          reset.mutate({ token, password });
        }}
      >
        <FormError error={reset.error} fields={['password']} />
        <Field label="New password" name="password" hint="At least 10 characters." error={reset.error}>
          <Input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} autoFocus required minLength={10} />
        </Field>
        <Field label="Repeat the new password" name="confirm">
          <Input
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            required
            aria-invalid={mismatch || undefined}
            aria-describedby={mismatch ? 'confirm-mismatch' : undefined}
          />
        </Field>
        {mismatch ? (
          <p id="confirm-mismatch" role="alert" className="text-sm text-rose-600">
            The two passwords are not the same.
          </p>
        ) : null}
        <Button type="submit" variant="primary" className="w-full" loading={reset.isPending}>
          Set the new password
        </Button>
      </form>
    </AuthLayout>
  );
}
