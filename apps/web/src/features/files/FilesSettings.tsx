import { useState } from 'react';
import { useCan } from '../../app/session.tsx';
import { trpc, type RouterOutputs } from '../../trpc.ts';
import { Button, Card, Checkbox, Field, FormError, Input, QueryState, useToast } from '../../ui/index.ts';
import { typeGroups } from './typeGroups.ts';

type SettingsDto = RouterOutputs['files']['settings']['get'];

const MB = 1024 * 1024;

/** Settings → Files: which kinds of file uploads may be (the allow-list) and the largest file. */
export function FilesSettingsTab() {
  const settings = trpc.files.settings.get.useQuery();
  return <QueryState query={settings}>{(data) => <FilesSettingsForm key={String(data.updatedAt)} data={data} />}</QueryState>;
}

function FilesSettingsForm({ data }: { data: SettingsDto }) {
  const canManage = useCan('files.settings.manage');
  const toast = useToast();
  const utils = trpc.useUtils();
  const allowed = new Set(data.settings.allowedTypes);
  const [groups, setGroups] = useState(() => new Set(typeGroups.filter((g) => g.types.every((type) => allowed.has(type))).map((g) => g.id)));
  // Types allowed today that no group names (set through the API): kept as they are.
  const others = data.settings.allowedTypes.filter((type) => !typeGroups.some((g) => g.types.includes(type)));
  const [maxMb, setMaxMb] = useState(String(Math.round((data.settings.maxFileBytes / MB) * 10) / 10));
  const update = trpc.files.settings.update.useMutation({
    onSuccess: () => {
      toast('File rules saved');
      void utils.files.settings.get.invalidate();
    },
  });
  const chosen = [...typeGroups.filter((g) => groups.has(g.id)).flatMap((g) => g.types), ...others];
  const toggle = (id: string, on: boolean) =>
    setGroups((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const megabytes = Number(maxMb);
  return (
    <Card title="Uploads">
      <form
        noValidate
        className="grid max-w-xl gap-4 p-4"
        onSubmit={(event) => {
          event.preventDefault();
          update.mutate({ allowedTypes: chosen, maxFileBytes: Number.isFinite(megabytes) ? Math.round(megabytes * MB) : Number.NaN });
        }}
      >
        <fieldset className="grid gap-2" disabled={!canManage}>
          <legend className="mb-1 text-sm font-medium text-slate-800">Kinds of file people may upload</legend>
          <p className="text-xs text-slate-500">
            Checked against the file's real content, not only its name. File requests can narrow this further, never widen it.
          </p>
          {typeGroups.map((g) => (
            <Checkbox key={g.id} label={g.label} checked={groups.has(g.id)} onChange={(e) => toggle(g.id, e.target.checked)} />
          ))}
          {others.length > 0 ? <p className="text-xs text-slate-500">Also allowed: {others.join(', ')}</p> : null}
        </fieldset>
        <Field label="Largest file (MB)" name="maxFileBytes" error={update.error} hint="Up to 5,120 MB.">
          <Input
            type="number"
            min={1}
            max={5120}
            step="0.1"
            inputMode="decimal"
            value={maxMb}
            disabled={!canManage}
            onChange={(e) => setMaxMb(e.target.value)}
          />
        </Field>
        <FormError error={update.error} fields={['maxFileBytes']} />
        {chosen.length === 0 ? <p className="text-sm text-amber-700">Choose at least one kind of file, or no upload can be accepted.</p> : null}
        {canManage ? (
          <div>
            <Button type="submit" disabled={update.isPending || chosen.length === 0}>
              {update.isPending ? 'Saving…' : 'Save file rules'}
            </Button>
          </div>
        ) : (
          <p className="text-sm text-slate-500">Only owners and admins change the file rules.</p>
        )}
      </form>
    </Card>
  );
}
