import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { trpc } from '../trpc.ts';
import { Button, Dialog, Field, FormError, Input } from '../ui/index.ts';
import { AuthLayout } from '../features/auth/AuthLayout.tsx';

function useCreateOrganization(onDone: () => void) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  // Creating an organization also makes it the session's active one.
  return trpc.identity.organizations.create.useMutation({
    onSuccess: async () => {
      queryClient.clear();
      await utils.identity.auth.me.invalidate();
      onDone();
      navigate('/');
    },
  });
}

export function CreateOrganizationPage() {
  const [name, setName] = useState('');
  const create = useCreateOrganization(() => {});
  return (
    <AuthLayout title="Create an organization" subtitle="You are not a member of any organization yet.">
      <form
        className="space-y-4"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          create.mutate({ name });
        }}
      >
        <FormError error={create.error} fields={['name']} />
        <Field label="Organization name" name="name" error={create.error} required>
          <Input value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </Field>
        <Button type="submit" variant="primary" className="w-full" loading={create.isPending}>
          Create organization
        </Button>
      </form>
    </AuthLayout>
  );
}

export function CreateOrganizationDialog({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState('');
  const create = useCreateOrganization(onClose);
  return (
    <Dialog
      open
      onOpenChange={(open) => (!open ? onClose() : undefined)}
      title="New organization"
      description="You will be its owner and switch to it."
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="create-org" loading={create.isPending}>
            Create
          </Button>
        </>
      }
    >
      <form
        id="create-org"
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ name });
        }}
      >
        <FormError error={create.error} fields={['name']} />
        <Field label="Name" name="name" error={create.error} required>
          <Input value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </Field>
      </form>
    </Dialog>
  );
}
