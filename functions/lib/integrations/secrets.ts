import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectionSecrets } from '../../../domain/integrations/connection';

/**
 * The connections' write-only secrets (DESIGN §9): Secrets Manager in AWS, one secret per
 * connection under `<prefix>/<tenant>/<connection>`; files under `.local/secrets/` locally (mode
 * 0600). No API read returns them and nothing logs them. A container reuses a read for a minute:
 * a rotation keeps the previous signing secret valid for 24 h, so a stale copy never refuses a
 * signature the sender made with either.
 */
export interface SecretsStore {
  get(tenantId: string, connectionId: string): Promise<ConnectionSecrets | undefined>;
  put(tenantId: string, connectionId: string, secrets: ConnectionSecrets): Promise<void>;
  delete(tenantId: string, connectionId: string): Promise<void>;
}

const MAX_AGE_MS = 60_000;

function cached(inner: SecretsStore, now: () => number = Date.now): SecretsStore {
  const copies = new Map<string, { at: number; value: ConnectionSecrets | undefined }>();
  const key = (t: string, c: string) => `${t}/${c}`;
  return {
    async get(t, c) {
      const hit = copies.get(key(t, c));
      if (hit && now() - hit.at < MAX_AGE_MS) return hit.value;
      const value = await inner.get(t, c);
      copies.set(key(t, c), { at: now(), value });
      return value;
    },
    async put(t, c, s) {
      copies.delete(key(t, c));
      await inner.put(t, c, s);
      copies.set(key(t, c), { at: now(), value: s });
    },
    async delete(t, c) {
      copies.delete(key(t, c));
      await inner.delete(t, c);
    },
  };
}

/** Files, one per connection: `<dir>/<tenant>/<connection>.json`. */
export function fileSecrets(dir: string): SecretsStore {
  const file = (t: string, c: string) => join(dir, t, `${c}.json`);
  return cached({
    async get(t, c) {
      try {
        return JSON.parse(await readFile(file(t, c), 'utf8')) as ConnectionSecrets;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async put(t, c, s) {
      await mkdir(join(dir, t), { recursive: true, mode: 0o700 });
      // Written aside, then renamed over: a reader sees the old secret or the new one, never half of one.
      const aside = `${file(t, c)}.${process.pid}.${randomUUID()}.tmp`;
      await writeFile(aside, JSON.stringify(s), { mode: 0o600 });
      await rename(aside, file(t, c));
    },
    async delete(t, c) {
      await rm(file(t, c), { force: true });
    },
  });
}

/** Secrets Manager: a secret per connection, created on first put, deleted without recovery window on delete (the connection is gone). */
export function secretsManagerSecrets(region: string, prefix: string): SecretsStore {
  let sdk: Promise<{ client: import('@aws-sdk/client-secrets-manager').SecretsManagerClient; m: typeof import('@aws-sdk/client-secrets-manager') }> | undefined;
  const load = () => (sdk ??= import('@aws-sdk/client-secrets-manager').then((m) => ({ m, client: new m.SecretsManagerClient({ region }) })));
  const name = (t: string, c: string) => `${prefix}/${t}/${c}`;
  return cached({
    async get(t, c) {
      const { client, m } = await load();
      try {
        const out = await client.send(new m.GetSecretValueCommand({ SecretId: name(t, c) }));
        return out.SecretString ? (JSON.parse(out.SecretString) as ConnectionSecrets) : undefined;
      } catch (error) {
        if (error instanceof m.ResourceNotFoundException) return undefined;
        throw error;
      }
    },
    async put(t, c, s) {
      const { client, m } = await load();
      const SecretString = JSON.stringify(s);
      try {
        await client.send(new m.PutSecretValueCommand({ SecretId: name(t, c), SecretString }));
      } catch (error) {
        if (!(error instanceof m.ResourceNotFoundException)) throw error;
        await client.send(new m.CreateSecretCommand({ Name: name(t, c), SecretString, Tags: [{ Key: 'tenant', Value: t }] }));
      }
    },
    async delete(t, c) {
      const { client, m } = await load();
      try {
        await client.send(new m.DeleteSecretCommand({ SecretId: name(t, c), ForceDeleteWithoutRecovery: true }));
      } catch (error) {
        if (!(error instanceof m.ResourceNotFoundException)) throw error;
      }
    },
  });
}

export function createSecretsStore(env: NodeJS.ProcessEnv = process.env): SecretsStore {
  if (env.SECRETS_DIR) return fileSecrets(env.SECRETS_DIR);
  return secretsManagerSecrets(env.AWS_REGION ?? 'ap-south-1', env.INTEGRATION_SECRETS_PREFIX ?? 'crm/integrations');
}
