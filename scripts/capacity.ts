/**
 * npm run capacity — the capacity model of README "Capacity" (#11 item 9), measured, not guessed:
 * runs a salesperson's everyday requests through the real handlers on DynamoDB Local, records every
 * DynamoDB call they make (the items written and read, with their sizes), and scales the day of
 * the seed's targets up to a tenant of N staff at its busiest minute. For every partition key that
 * is one per tenant (not per client or per staff member) it prints the write and read units a
 * second it takes at 2,000 staff and the tenant size at which it reaches DynamoDB's ceiling of
 * 1,000 WCU/s or 3,000 RCU/s.
 *
 * Assumptions (printed with the result): a 9-hour working day, the busiest hour twice the average
 * and the busiest minute of that hour three times its average (stand-ups end, everyone logs at
 * once); every index projects all attributes; a transactional write costs 2 WCU per KB on the
 * table and 1 per KB on each index entry it writes or removes; a strongly consistent read 1 RCU per
 * 4 KB, an eventually consistent one half. Knob: CAPACITY_STAFF (default 2000).
 */
import { startDynamoDbLocal } from './local/dynamodb-local';
import { startLocalStack } from './local/stack';

type AV = { S?: string; N?: string; B?: unknown; BOOL?: boolean; NULL?: boolean; L?: AV[]; M?: Record<string, AV>; SS?: string[]; NS?: string[] };
type Item = Record<string, AV>;

/** DynamoDB's item size: attribute names plus values (numbers ~1 byte per 2 digits, +1 per list or map element, +3 per container). */
function sizeOfValue(v: AV): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/[-.]/g, '').length / 2) + 1;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.L) return 3 + v.L.reduce((n, e) => n + 1 + sizeOfValue(e), 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((n, [k, e]) => n + 1 + Buffer.byteLength(k) + sizeOfValue(e), 0);
  if (v.SS) return v.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (v.NS) return v.NS.reduce((n, s) => n + Math.ceil(s.length / 2) + 1, 0);
  return 1;
}
export const itemSize = (item: Item) => Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + sizeOfValue(v), 0);

/** A partition key with ids taken out: `T#{t}#C#{client}` is one per client, `T#{t}#STAFF` one per tenant. */
export function partitionClass(pk: string, tenantId: string): string {
  return pk
    .replace(`T#${tenantId}`, 'T#{t}')
    .replace(/#C#c_[0-9A-Za-z]+/, '#C#{client}')
    .replace(/#(ASG|MEMBER|S)#[a-z0-9-]+/g, '#$1#{staff}')
    .replace(/#(OPP|EVT)#[a-z]_[0-9A-Za-z]+/g, '#$1#{id}');
}
const perTenant = (cls: string) => !cls.replace('{t}', '').includes('{');

interface Units {
  wcu: Map<string, number>;
  rcu: Map<string, number>;
}

/** Units by partition class, from the DynamoDB calls one request made. */
function unitsOf(calls: { command: string; input: Record<string, any>; output: Record<string, any> }[], tenantId: string, known: Map<string, Item>): Units {
  const wcu = new Map<string, number>();
  const rcu = new Map<string, number>();
  const add = (m: Map<string, number>, pk: string | undefined, n: number) => pk && m.set(partitionClass(pk, tenantId), (m.get(partitionClass(pk, tenantId)) ?? 0) + n);
  const kb = (item: Item) => Math.max(1, Math.ceil(itemSize(item) / 1024));
  const writeItem = (item: Item, transactional: boolean) => {
    add(wcu, item.pk?.S, kb(item) * (transactional ? 2 : 1));
    const before = known.get(`${item.pk?.S}|${item.sk?.S}`);
    for (const gsi of ['gsi1pk', 'gsi2pk']) {
      if (item[gsi]?.S) add(wcu, `${item[gsi]!.S}`, kb(item));
      // The index entry moves: removed from the old key's partition too.
      const old = before?.[gsi]?.S;
      if (old && old !== item[gsi]?.S) add(wcu, old, kb(before!));
    }
    known.set(`${item.pk?.S}|${item.sk?.S}`, item);
  };
  const keyed = (key: Item, transactional: boolean, kind: 'update' | 'check' | 'delete') => {
    const before = known.get(`${key.pk?.S}|${key.sk?.S}`);
    const size = before ? kb(before) : 1;
    add(wcu, key.pk?.S, size * (transactional ? 2 : 1));
    if (kind !== 'check') for (const gsi of ['gsi1pk', 'gsi2pk']) if (before?.[gsi]?.S) add(wcu, before[gsi]!.S, size);
  };
  const readItems = (pk: string | undefined, items: Item[], consistent: boolean) => {
    const total = items.reduce((n, i) => n + itemSize(i), 0);
    add(rcu, pk, Math.max(1, Math.ceil(total / 4096)) * (consistent ? 1 : 0.5));
    for (const i of items) if (i.pk?.S && i.sk?.S) known.set(`${i.pk.S}|${i.sk.S}`, i);
  };
  for (const { command, input, output } of calls) {
    switch (command) {
      case 'TransactWriteItemsCommand':
        for (const t of input.TransactItems as Record<string, any>[]) {
          if (t.Put) writeItem(t.Put.Item, true);
          else if (t.Update) keyed(t.Update.Key, true, 'update');
          else if (t.ConditionCheck) keyed(t.ConditionCheck.Key, true, 'check');
          else if (t.Delete) keyed(t.Delete.Key, true, 'delete');
        }
        break;
      case 'PutItemCommand':
        writeItem(input.Item, false);
        break;
      case 'UpdateItemCommand':
        keyed(input.Key, false, 'update');
        break;
      case 'DeleteItemCommand':
        keyed(input.Key, false, 'delete');
        break;
      case 'GetItemCommand':
        readItems(input.Key.pk?.S, output.Item ? [output.Item] : [], input.ConsistentRead === true);
        break;
      case 'BatchGetItemCommand':
        for (const [table, req] of Object.entries(input.RequestItems as Record<string, { Keys: Item[]; ConsistentRead?: boolean }>)) {
          const got = (output.Responses?.[table] ?? []) as Item[];
          for (const key of req.Keys) {
            const item = got.find((i) => i.pk?.S === key.pk?.S && i.sk?.S === key.sk?.S);
            readItems(key.pk?.S, item ? [item] : [], req.ConsistentRead === true);
          }
        }
        break;
      case 'QueryCommand': {
        // The partition key value is the expression value the key condition compares the hash key with.
        const values = Object.values((input.ExpressionAttributeValues ?? {}) as Record<string, AV>).map((v) => v.S ?? '');
        const pk = values.find((v) => v.startsWith('T#') && !v.includes('~') && (input.KeyConditionExpression as string).includes('=')) ?? values[0];
        readItems(pk, (output.Items ?? []) as Item[], input.ConsistentRead === true);
        break;
      }
    }
  }
  return { wcu, rcu };
}

const STAFF = Number(process.env.CAPACITY_STAFF) || 2000;
const WORKDAY_S = 9 * 3600;
const PEAK = 2 * 3;

async function main() {
  const dynamo = await startDynamoDbLocal();
  const stack = await startLocalStack({ dynamoEndpoint: dynamo.endpoint, tableName: 'capacity', pipeline: false });
  try {
    const [{ getServices, getStoreClients }, { seedDemo }] = await Promise.all([import('../functions/lib/services'), import('./seed')]);
    await seedDemo(getServices(), new Date());
    const { ddb } = getStoreClients();
    let calls: { command: string; input: Record<string, any>; output: Record<string, any> }[] = [];
    // At the build step the document client has marshalled the input, and the output is not yet unmarshalled.
    ddb.middlewareStack.add(
      ((next: (a: { input: unknown }) => Promise<{ output: unknown }>, context: { commandName?: string }) => async (args: { input: unknown }) => {
        const result = await next(args);
        calls.push({ command: (context.commandName ?? '?').replace(/^(TransactWrite|Put|Update|Delete|Get|BatchGet|Query)(Item|Items)?Command$/, (_, op) => `${op}${{ TransactWrite: 'Items', BatchGet: 'Item' }[op as string] ?? (op === 'Query' ? '' : 'Item')}Command`), input: args.input as Record<string, any>, output: result.output as Record<string, any> });
        return result;
      }) as never,
      { step: 'build', name: 'capacityRecorder' },
    );
    const token = stack.issuer.mint({ tenantId: 'demo', staffId: 'tse-1', role: 'tse' });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${stack.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) });
      const json = res.status === 204 ? undefined : await res.json();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json as Record<string, any>;
    };
    const known = new Map<string, Item>();
    let phone = 9847100000;
    /** One request kind: how many a salesperson makes a working day (the seed's TSE targets), and how to make one. */
    const ops: { name: string; perDay: number; run: () => Promise<void> }[] = [];
    let clientId = '';
    let opportunityId = '';
    let pendingId = '';
    const stages = ['Qualified', 'Potential', 'Demo', 'Visit'];
    let stageAt = 0;
    const newLead = async () => {
      const client = await call('POST', '/v1/clients', { companyName: `Capacity ${++phone}`, ownerName: 'Owner', mobile: String(phone) });
      clientId = client.id;
      opportunityId = (await call('POST', `/v1/clients/${clientId}/opportunities`, { productId: 'website' })).id;
      stageAt = 0;
    };
    ops.push({ name: 'new lead (client + opportunity)', perDay: 25, run: newLead });
    ops.push({ name: 'log a call', perDay: 60, run: async () => void (await call('POST', `/v1/opportunities/${opportunityId}/events`, { type: 'Call', status: 'Completed', scheduledAt: new Date().toISOString() })) });
    ops.push({
      name: 'schedule a follow-up',
      perDay: 20,
      run: async () => void (pendingId = (await call('POST', `/v1/opportunities/${opportunityId}/events`, { type: 'Call', scheduledAt: new Date(Date.now() + 86_400_000).toISOString() })).id),
    });
    ops.push({ name: 'complete a follow-up', perDay: 20, run: async () => void (await call('POST', `/v1/events/${pendingId}/complete`, { remarks: 'spoke to the owner' })) });
    ops.push({
      name: 'move a stage',
      perDay: 28,
      run: async () => {
        if (stageAt >= stages.length) await newLead();
        await call('POST', `/v1/opportunities/${opportunityId}/stage`, { stage: stages[stageAt++] });
      },
    });
    ops.push({ name: 'list own opportunities', perDay: 40, run: async () => void (await call('GET', '/v1/opportunities?limit=20')) });
    ops.push({ name: 'open a client', perDay: 60, run: async () => void (await call('GET', `/v1/clients/${clientId}`)) });
    ops.push({ name: 'search clients', perDay: 30, run: async () => void (await call('GET', '/v1/clients?q=Cap&limit=20')) });
    ops.push({ name: 'list own events', perDay: 20, run: async () => void (await call('GET', '/v1/events?status=Pending&limit=20')) });

    // Warm up (first reads fill the tenant config copy, as in a warm container), then measure each kind once.
    await newLead();
    const perOp: { name: string; perDay: number; units: Units; calls: number }[] = [];
    for (const op of ops) {
      calls = [];
      await op.run();
      perOp.push({ name: op.name, perDay: op.perDay, units: unitsOf(calls, 'demo', known), calls: calls.length });
    }

    // The tenant's configuration, as read when no container holds a copy (CONFIG_MAX_AGE_MS).
    calls = [];
    await getServices().tenants.config('demo', { fresh: true });
    const configRead = unitsOf(calls, 'demo', known).rcu.get('T#{t}#CONFIG') ?? 0;
    const configReadsPerDay = ops.filter((o) => /lead|stage/.test(o.name)).reduce((n, o) => n + o.perDay, 0);

    // Scale: units a second per staff member at the busiest minute, by partition class.
    const rate = (perDay: number) => (perDay / WORKDAY_S) * PEAK;
    const totals = { wcu: new Map<string, number>(), rcu: new Map<string, number>() };
    for (const op of perOp) {
      for (const kind of ['wcu', 'rcu'] as const) for (const [cls, n] of op.units[kind]) totals[kind].set(cls, (totals[kind].get(cls) ?? 0) + n * rate(op.perDay));
    }

    console.log(`npm run capacity — DynamoDB units by partition key, a tenant of ${STAFF.toLocaleString('en-IN')} staff at its busiest minute\n`);
    console.log('measured per request (every call the handlers made on DynamoDB Local):');
    for (const op of perOp) {
      const w = [...op.units.wcu.values()].reduce((a, b) => a + b, 0);
      const r = [...op.units.rcu.values()].reduce((a, b) => a + b, 0);
      console.log(`  ${op.name.padEnd(34)} ${String(op.perDay).padStart(3)}/day  ${String(op.calls).padStart(2)} calls  ${w.toFixed(0).padStart(3)} WCU  ${r.toFixed(1).padStart(5)} RCU`);
    }
    console.log(`\none partition key per tenant (ceilings: 1,000 WCU/s, 3,000 RCU/s per partition):`);
    console.log(`  ${'partition'.padEnd(28)} ${'kind'.padEnd(5)} ${'per staff/s'.padStart(11)} ${`at ${STAFF}`.padStart(10)} ${'of ceiling'.padStart(10)} ${'saturates at'.padStart(14)}`);
    const rows: [string, string, number, number][] = [];
    for (const [kind, ceiling] of [['wcu', 1000], ['rcu', 3000]] as const) for (const [cls, n] of totals[kind]) if (perTenant(cls)) rows.push([cls, kind.toUpperCase(), n, ceiling]);
    rows.sort((a, b) => b[2] / b[3] - a[2] / a[3]);
    for (const [cls, kind, n, ceiling] of rows) {
      console.log(
        `  ${cls.padEnd(28)} ${kind.padEnd(5)} ${n.toFixed(4).padStart(11)} ${(n * STAFF).toFixed(1).padStart(10)} ${`${((n * STAFF * 100) / ceiling).toFixed(1)} %`.padStart(10)} ${`${Math.floor(ceiling / n).toLocaleString('en-IN')} staff`.padStart(14)}`,
      );
    }
    const uncached = configRead * rate(configReadsPerDay);
    console.log(
      `  ${'T#{t}#CONFIG (no cache)'.padEnd(28)} ${'RCU'.padEnd(5)} ${uncached.toFixed(4).padStart(11)} ${(uncached * STAFF).toFixed(1).padStart(10)} ${`${((uncached * STAFF * 100) / 3000).toFixed(1)} %`.padStart(10)} ${`${Math.floor(3000 / uncached).toLocaleString('en-IN')} staff`.padStart(14)}`,
    );
    console.log(`  (each opportunity write reads the tenant's configuration: ${configRead} RCU, consistent; a container reuses it for 10 s, so in AWS it is read at most once per container per 10 s)`);
    const worst = rows[0];
    if (!worst) throw new Error('no per-tenant partition was written or read: the recorder saw no DynamoDB calls');
    console.log(
      `\nassumptions: ${WORKDAY_S / 3600} h working day, busiest minute ${PEAK}× the day's average; all-attribute index projections; transactional writes 2 WCU/KB on the table, 1 on each index entry`,
    );
    console.log(`hottest per-tenant key: ${worst[0]} ${worst[1]} — ${((worst[2] * STAFF * 100) / worst[3]).toFixed(1)} % of its ceiling at ${STAFF} staff, saturated at ${Math.floor(worst[3] / worst[2]).toLocaleString('en-IN')} staff`);
  } finally {
    await stack.stop();
    await dynamo.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
