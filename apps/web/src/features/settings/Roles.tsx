import { errorMessage } from '../../lib/errors.ts';
import { trpc } from '../../trpc.ts';
import { Card, QueryState, Table, Td, Th, useToast } from '../../ui/index.ts';

export function RolesTab() {
  const toast = useToast();
  const utils = trpc.useUtils();
  const matrix = trpc.identity.roles.matrix.useQuery();
  const set = trpc.identity.roles.setOverride.useMutation({
    onSuccess: () => void utils.identity.roles.matrix.invalidate(),
    onError: (error) => toast(errorMessage(error), 'error'),
  });
  return (
    <Card
      title="Roles & permissions"
      actions={<span className="text-xs text-slate-500">Changes apply to this organization only. Dots mark overrides of the defaults.</span>}
    >
      <QueryState query={matrix}>
        {(m) => {
          const byKey = new Map(m.entries.map((e) => [`${e.permission}|${e.role}`, e]));
          return (
            <Table>
              <thead>
                <tr>
                  <Th>Permission</Th>
                  {m.roles.map((r) => (
                    <Th key={r} className="text-center capitalize">
                      {r}
                    </Th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {m.permissions.map((p) => (
                  <tr key={p} className="hover:bg-slate-50/60">
                    <Td className="font-mono text-xs text-slate-700">{p}</Td>
                    {m.roles.map((r) => {
                      const entry = byKey.get(`${p}|${r}`);
                      if (!entry) return <Td key={r} />;
                      return (
                        <Td key={r} className="text-center">
                          <span className="relative inline-flex">
                            <input
                              type="checkbox"
                              aria-label={`${r}: ${p}`}
                              className="size-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600 disabled:opacity-40"
                              checked={entry.granted}
                              disabled={!entry.editable || set.isPending}
                              onChange={(e) => {
                                const granted = e.target.checked;
                                set.mutate({ role: r, permission: p, granted: granted === entry.defaultGranted ? null : granted });
                              }}
                            />
                            {entry.overridden ? <span className="absolute -top-1 -right-1.5 size-1.5 rounded-full bg-amber-500" title="Overridden" /> : null}
                          </span>
                        </Td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </Table>
          );
        }}
      </QueryState>
    </Card>
  );
}
