import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../domain/audit/audit';
import { useLocalStack } from '../../../test/stack';
import { config } from '../config';
import { getStoreClients } from '../services';
import { CONFIG_MAX_AGE_MS, TenantsRepository } from './tenants.dynamodb';

/**
 * The container's copy of a tenant's configuration (#11 item 9, README "Capacity"): reused for
 * CONFIG_MAX_AGE_MS on the hot paths, read afresh when asked, dropped by this container's own
 * writes, never kept for a tenant that does not exist. On DynamoDB Local, with the clock an input.
 */
useLocalStack();

function counted() {
  const { db } = getStoreClients();
  const sent: string[] = [];
  const counting = { send: (command: { constructor: { name: string } }) => (sent.push(command.constructor.name), db.send(command as never)) } as unknown as DynamoDBDocumentClient;
  let now = 1_000_000;
  const repo = new TenantsRepository(counting, config().TABLE_NAME, () => now);
  return { repo, sent, tick: (ms: number) => (now += ms) };
}

describe('tenant configuration, cached briefly', () => {
  it('reads once per CONFIG_MAX_AGE_MS, and afresh when asked', async () => {
    const { repo, sent, tick } = counted();
    const first = await repo.config('demo');
    expect(first?.settings.tenantId).toBe('demo');
    tick(CONFIG_MAX_AGE_MS - 1);
    expect(await repo.config('demo')).toBe(first);
    expect(sent).toEqual(['BatchGetCommand']);
    tick(1);
    await repo.config('demo');
    expect(sent).toHaveLength(2);
    await repo.config('demo', { fresh: true });
    expect(sent).toHaveLength(3);
    expect(CONFIG_MAX_AGE_MS).toBe(10_000);
  });

  it('sees its own change at once', async () => {
    const { repo, sent } = counted();
    const before = (await repo.config('acme'))!;
    const version = await repo.putConfig('acme', 'PRODUCTS', before.products.value, before.products.version, {
      id: 'a-cache-test',
      entity: 'config',
      entityId: 'PRODUCTS',
      action: 'updated',
      actor: 'admin',
      at: '2026-12-01T10:00:00.000Z',
    } satisfies AuditEntry);
    const after = (await repo.config('acme'))!;
    expect(after.products.version).toBe(version);
    expect(version).toBe(before.products.version + 1);
    expect(sent.filter((c) => c === 'BatchGetCommand')).toHaveLength(2);
  });

  it('keeps nothing for a tenant that is not provisioned (it may be in a moment)', async () => {
    const { repo, sent } = counted();
    expect(await repo.config('nobody-here')).toBeUndefined();
    expect(await repo.config('nobody-here')).toBeUndefined();
    expect(sent).toEqual(['BatchGetCommand', 'BatchGetCommand']);
  });
});
