import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ClientsRepository } from '../../functions/lib/store/clients.dynamodb';
import { CursorCodec } from '../../functions/lib/store/cursor';
import { PipelineRepository } from '../../functions/lib/store/pipeline.dynamodb';
import { TenantsRepository } from '../../functions/lib/store/tenants.dynamodb';

/**
 * The raw runs replay the repositories' own DynamoDB commands: each repository method a route's
 * use case calls is run once against a client that records the command instead of sending it, and
 * the recorded command is then sent, timed, to DynamoDB Local. Keys, item shapes, condition and
 * update expressions are therefore exactly the product's, whatever the repositories become; only
 * the order of the calls (which ones run concurrently) is the benchmark's reading of the use cases,
 * and the call recorder (calls.ts) checks that against the server.
 */
export type Command = Parameters<DynamoDBDocumentClient['send']>[0];

export interface Repositories {
  clients: ClientsRepository;
  pipeline: PipelineRepository;
  tenants: TenantsRepository;
}

const cursors = new CursorCodec({ current: 'bench-cursor-secret-not-used-for-anything' });

/** The commands `fn` makes the repositories send (each answered with an empty result). */
export async function capture(tableName: string, fn: (r: Repositories) => Promise<unknown>): Promise<Command[]> {
  const commands: Command[] = [];
  const db = { send: async (command: Command) => (commands.push(command), {}) } as unknown as DynamoDBDocumentClient;
  await fn({ clients: new ClientsRepository(db, tableName), pipeline: new PipelineRepository(db, tableName, cursors), tenants: new TenantsRepository(db, tableName) });
  return commands;
}

/** The one command `fn` makes the repositories send. */
export async function captureOne(tableName: string, fn: (r: Repositories) => Promise<unknown>): Promise<Command> {
  const commands = await capture(tableName, fn);
  if (commands.length !== 1) throw new Error(`expected one DynamoDB call, the repository made ${commands.length}`);
  return commands[0]!;
}

/**
 * Loads fixtures from captured writes, untimed. Transactions of Puts (and ConditionChecks, which
 * fixtures need not check) go in BatchWriteItem calls of 25 items, the last write of a key winning;
 * anything else (an Update, a Delete) is sent as it is, after those.
 */
export async function loadFixtures(db: DynamoDBDocumentClient, tableName: string, commands: Command[], parallel = 6): Promise<void> {
  const puts = new Map<string, Record<string, unknown>>();
  const others: Command[] = [];
  for (const c of commands) {
    const items = (c.input as { TransactItems?: Record<string, { Item?: Record<string, unknown> }>[] }).TransactItems;
    if (items?.every((t) => t.Put || t.ConditionCheck)) {
      for (const t of items) if (t.Put?.Item) puts.set(`${String(t.Put.Item.pk)}\u0000${String(t.Put.Item.sk)}`, t.Put.Item);
    } else others.push(c);
  }
  const batches: Record<string, unknown>[][] = [];
  const all = [...puts.values()];
  for (let i = 0; i < all.length; i += 25) batches.push(all.slice(i, i + 25));
  let nextBatch = 0;
  let nextOther = 0;
  const putWorker = async () => {
    while (nextBatch < batches.length) {
      let requests = batches[nextBatch++]!.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 20) throw new Error('BatchWriteItem kept returning unprocessed items');
        const { UnprocessedItems } = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
        if (requests.length > 0) await new Promise((r) => setTimeout(r, 10 * (attempt + 1)));
      }
    }
  };
  const otherWorker = async () => {
    while (nextOther < others.length) await db.send(others[nextOther++]!);
  };
  await Promise.all(Array.from({ length: parallel }, putWorker));
  await Promise.all(Array.from({ length: parallel }, otherWorker));
}
