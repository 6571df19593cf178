import { createDatabase, loadConfig, rotateVault, vaultFromConfig } from '@ubos/platform';
import { runtimeUrl } from './events.ts';

/** `pnpm ubos vault:*`: the credential vault's key rotation (§7). */
export const vaultUsage = `  vault:rotate                 re-encrypt every integration secret written with an older key (VAULT_KEYS)
                               with the current VAULT_KEY, tenant by tenant; safe to run again
`;

async function rotate(): Promise<number> {
  const config = loadConfig();
  const vault = vaultFromConfig(config);
  const db = createDatabase({ connectionString: await runtimeUrl(config), max: 1, applicationName: 'ubos-cli' });
  try {
    const result = await rotateVault(db, vault, (tenantId, reencrypted) => {
      if (reencrypted > 0) process.stdout.write(`tenant ${tenantId}: ${reencrypted} secret(s) re-encrypted\n`);
    });
    process.stdout.write(
      `Vault rotation done: ${result.reencrypted} secret(s) re-encrypted with key ${vault.current.id} across ${result.tenants} tenant(s)` +
        (result.unreadable > 0 ? `; ${result.unreadable} secret(s) no configured key opens (add their key to VAULT_KEYS)` : '') +
        '.\n',
    );
    return result.unreadable > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}

/** Runs a `vault:*` command; returns null when `command` is not one. */
export async function vaultCommand(command: string, _args: readonly string[]): Promise<number | null> {
  switch (command) {
    case 'vault:rotate':
      return rotate();
    case 'vault:key-id': {
      // Prints the id of the configured key (to match against ciphertexts' `v1:<id>:` prefix).
      const vault = vaultFromConfig(loadConfig());
      process.stdout.write(`${vault.current.id}\n`);
      return 0;
    }
    default:
      return null;
  }
}
