import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { trpc } from '../../trpc.ts';
import { Button, Field, FormError, Input } from '../../ui/index.ts';
import { AuthLayout } from './AuthLayout.tsx';

/** Forgot password: the server answers the same sentence for every address, so the page only repeats it. */
export default function ForgotPasswordPage() {
  const [params] = useSearchParams();
  const [email, setEmail] = useState(params.get('email') ?? '');
  const request = trpc.identity.auth.requestPasswordReset.useMutation();
  if (request.data) {
    return (
      <AuthLayout title="Check your email" subtitle={request.data.message}>
        <p className="text-sm text-slate-600">
          Nothing arrived? Check the spam folder, or ask an admin: on a server without outgoing mail the message is kept under Settings → Email → Sent by UBOS.
        </p>
        <div className="mt-4 flex items-center gap-3 text-sm">
          <Link to="/login" className="font-medium text-indigo-600 hover:text-indigo-500">
            Back to log in
          </Link>
          <Button variant="link" onClick={() => request.reset()}>
            Use another email
          </Button>
        </div>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout
      title="Forgot your password?"
      subtitle="Enter the email you sign in with and we will send you a link to choose a new password."
      footer={
        <Link to="/login" className="font-medium text-indigo-600 hover:text-indigo-500">
          Back to log in
        </Link>
      }
    >
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          request.mutate({ email });
        }}
      >
        <FormError error={request.error} fields={['email']} />
        <Field label="Email" name="email" error={request.error}>
          <Input type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} autoFocus required />
        </Field>
        <Button type="submit" variant="primary" className="w-full" loading={request.isPending}>
          Send the reset link
        </Button>
      </form>
    </AuthLayout>
  );
}
