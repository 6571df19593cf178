import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { trpc } from '../../trpc.ts';
import { Button, Field, FormError, Input } from '../../ui/index.ts';
import { AuthLayout } from './AuthLayout.tsx';

const fields = ['name', 'email', 'password', 'organizationName'];

export default function SignUpPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ name: '', email: '', password: '', organizationName: '' });
  const signUp = trpc.identity.auth.signUp.useMutation({
    onSuccess: () => {
      queryClient.clear();
      navigate('/', { replace: true });
    },
  });
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm((f) => ({ ...f, [key]: e.target.value }));
  return (
    <AuthLayout
      title="Create your account"
      subtitle="Start with your organization; invite your team later."
      footer={
        <>
          Already have an account?{' '}
          <Link to="/login" className="font-medium text-indigo-600 hover:text-indigo-500">
            Log in
          </Link>
        </>
      }
    >
      <form
        className="space-y-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          signUp.mutate(form);
        }}
      >
        <FormError error={signUp.error} fields={fields} />
        <Field label="Your name" name="name" error={signUp.error}>
          <Input autoComplete="name" value={form.name} onChange={set('name')} autoFocus />
        </Field>
        <Field label="Work email" name="email" error={signUp.error}>
          <Input type="email" autoComplete="email" value={form.email} onChange={set('email')} />
        </Field>
        <Field label="Password" name="password" error={signUp.error} hint="At least 10 characters.">
          <Input type="password" autoComplete="new-password" value={form.password} onChange={set('password')} />
        </Field>
        <Field label="Organization name" name="organizationName" error={signUp.error}>
          <Input autoComplete="organization" value={form.organizationName} onChange={set('organizationName')} />
        </Field>
        <Button type="submit" variant="primary" className="w-full" loading={signUp.isPending}>
          Create account
        </Button>
      </form>
    </AuthLayout>
  );
}
