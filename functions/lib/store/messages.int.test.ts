import { describe, expect, it } from 'vitest';
import type { Message } from '../../../domain/messages/message';
import { useLocalStack } from '../../../test/stack';
import { config } from '../config';
import { ids } from '../ids';
import { cursorKeys, getStoreClients } from '../services';
import { CursorCodec } from './cursor';
import { MessagesRepository } from './messages.dynamodb';

/** The message store of #14 on DynamoDB Local: a thread per client, found by provider id, statuses by version. */
useLocalStack();
const repo = () => new MessagesRepository(getStoreClients().db, config().TABLE_NAME, new CursorCodec(cursorKeys(config())));

const message = (clientId: string, over: Partial<Message> = {}): Message => {
  const id = ids.message(clientId);
  return {
    id,
    clientId,
    channel: 'email',
    direction: 'outbound',
    from: 'tse-1@demo.example',
    to: ['anil@example.com'],
    subject: 'Quote',
    text: 'Attached.',
    attachments: [],
    providerMessageId: `<${id}@mail.demo.example>`,
    status: 'queued',
    statusAt: '2026-12-01T10:00:00.000Z',
    createdBy: 'tse-1',
    createdAt: '2026-12-01T10:00:00.000Z',
    version: 1,
    ...over,
  };
};

describe('messages store', () => {
  it('keeps a client’s thread in order, finds a message by its provider id, refuses a second one with it', async () => {
    const clientId = ids.client();
    const first = message(clientId);
    const second = message(clientId, { channel: 'whatsapp', providerMessageId: 'wamid.HBgM1', to: ['+919847012345'], subject: undefined });
    await repo().create('demo', first);
    await repo().create('demo', second);
    expect((await repo().list('demo', clientId, { limit: 10 })).items.map((m) => m.id)).toEqual([first.id, second.id]);
    expect((await repo().list('demo', clientId, { limit: 10, channel: 'whatsapp' })).items.map((m) => m.id)).toEqual([second.id]);
    expect((await repo().byProviderId('demo', 'wamid.HBgM1'))?.id).toBe(second.id);
    expect(await repo().byProviderId('acme', 'wamid.HBgM1')).toBeUndefined();
    await expect(repo().create('demo', message(clientId, { providerMessageId: 'wamid.HBgM1' }))).rejects.toMatchObject({ code: 'duplicate_message' });
    expect((await repo().list('demo', clientId, { limit: 10 })).items).toHaveLength(2);
  });

  it('saves a status only over the version it read', async () => {
    const m = message(ids.client());
    await repo().create('demo', m);
    const sent = { ...m, status: 'sent' as const, version: 2 };
    await repo().save('demo', m, sent);
    await expect(repo().save('demo', m, { ...m, status: 'failed' as const, version: 2 })).rejects.toMatchObject({ code: 'concurrent_update' });
    expect((await repo().get('demo', m.id))?.status).toBe('sent');
  });
});
