import { useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Button, Card, Field, FormError, Input, QueryState, useToast } from '../../ui/index.ts';
import { PortalHeader } from './PortalShell.tsx';

type SettingsDto = RouterOutputs['portal']['settings']['get'];

/** Settings → Portal: the name, logo, accent colour and support address clients see, with a live preview. */
export function PortalSettingsTab() {
  const settings = trpc.portal.settings.get.useQuery();
  return <QueryState query={settings}>{(data) => <PortalSettingsForm key={String(data.updatedAt)} data={data} />}</QueryState>;
}

function PortalSettingsForm({ data }: { data: SettingsDto }) {
  const canManage = useCan('portal.settings.manage');
  const toast = useToast();
  const utils = trpc.useUtils();
  const [name, setName] = useState(data.settings.name ?? '');
  const [accent, setAccent] = useState(data.settings.accent);
  const [support, setSupport] = useState(data.settings.support ?? '');
  const update = trpc.portal.settings.update.useMutation({
    onSuccess: () => {
      toast('Portal settings saved');
      void utils.portal.settings.get.invalidate();
    },
  });
  const logoUpload = trpc.portal.settings.logoUpload.useMutation();
  const logoComplete = trpc.portal.settings.logoComplete.useMutation({ onSuccess: () => void utils.portal.settings.get.invalidate() });
  const [uploading, setUploading] = useState(false);
  const validAccent = /^#[0-9a-fA-F]{6}$/.test(accent) ? accent : data.settings.accent;
  const portalUrl = data.slug ? `${window.location.origin}/portal/${data.slug}` : null;

  async function uploadLogo(file: File) {
    setUploading(true);
    try {
      const form = await logoUpload.mutateAsync({ contentType: file.type as 'image/png', size: file.size });
      const body = new FormData();
      for (const [key, value] of Object.entries(form.fields)) body.append(key, value);
      body.append('file', file);
      const response = await fetch(form.url, { method: 'POST', body });
      if (!response.ok) throw new Error('The logo could not be uploaded. Try a smaller PNG, JPEG or WebP image.');
      await logoComplete.mutateAsync({ key: form.key });
      toast('Logo saved');
    } catch (error) {
      toast(errorMessage(error), 'error');
    } finally {
      setUploading(false);
    }
  }

  return (
    <div className="grid gap-5 lg:grid-cols-2">
      <Card title="Client portal">
        <form
          className="grid gap-4"
          onSubmit={(event) => {
            event.preventDefault();
            update.mutate({ name: name.trim() ? name.trim() : null, accent, support: support.trim() ? support.trim() : null });
          }}
        >
          {portalUrl ? (
            <p className="text-sm text-slate-600">
              Your clients sign in at{' '}
              <span className="font-mono text-slate-900" data-testid="portal-address">
                {portalUrl}
              </span>
            </p>
          ) : (
            <p className="text-sm text-slate-500">The portal address is being set up.</p>
          )}
          <Field label="Name clients see" name="name" error={update.error} hint={`Leave empty to show ${data.organizationName ?? 'your organization’s name'}.`}>
            <Input value={name} onChange={(event) => setName(event.target.value)} disabled={!canManage} maxLength={100} />
          </Field>
          <Field label="Accent colour" name="accent" error={update.error}>
            <div className="flex items-center gap-2">
              <input
                type="color"
                aria-label="Pick the accent colour"
                value={validAccent}
                onChange={(event) => setAccent(event.target.value)}
                disabled={!canManage}
                className="h-8 w-10 cursor-pointer rounded border border-slate-300"
              />
              <Input
                value={accent}
                onChange={(event) => setAccent(event.target.value)}
                disabled={!canManage}
                className="w-32 font-mono"
                aria-label="Accent colour as #RRGGBB"
              />
            </div>
          </Field>
          <Field label="Support email" name="support" error={update.error} hint="Shown to clients on every portal page.">
            <Input type="email" value={support} onChange={(event) => setSupport(event.target.value)} disabled={!canManage} placeholder="help@example.com" />
          </Field>
          <Field label="Logo" hint="PNG, JPEG or WebP, at most 1 MB.">
            <input
              type="file"
              accept="image/png,image/jpeg,image/webp"
              disabled={!canManage || uploading}
              onChange={(event) => {
                const file = event.target.files?.[0];
                if (file) void uploadLogo(file);
                event.target.value = '';
              }}
              className="text-sm"
            />
          </Field>
          {canManage ? (
            <div className="flex items-center gap-3">
              <Button type="submit" variant="primary" loading={update.isPending}>
                Save
              </Button>
              {data.settings.logo ? (
                <Button variant="ghost" onClick={() => update.mutate({ logo: null })}>
                  Remove logo
                </Button>
              ) : null}
              <FormError error={update.error} fields={['name', 'accent', 'support']} />
            </div>
          ) : null}
        </form>
      </Card>
      <Card title="Preview">
        <section className="overflow-hidden rounded-lg ring-1 ring-slate-200" data-testid="portal-preview" aria-label="How the portal looks to your clients">
          <PortalHeader
            branding={{
              name: name.trim() || data.organizationName || 'Your organization',
              accent: validAccent,
              logoUrl: data.logoUrl,
              support: support || null,
              slug: data.slug ?? '',
            }}
          />
          <div className="space-y-2 bg-slate-50 p-4">
            <p className="text-sm font-semibold text-slate-900">Waiting for you</p>
            <div className="rounded-md bg-white p-3 text-sm shadow-sm ring-1 ring-slate-200">
              Homepage design{' '}
              <span className="ml-2 rounded px-2 py-0.5 text-xs font-medium text-white" style={{ backgroundColor: validAccent }}>
                Review
              </span>
            </div>
          </div>
        </section>
      </Card>
    </div>
  );
}
