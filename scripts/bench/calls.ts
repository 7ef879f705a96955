/**
 * Records the DynamoDB calls an SDK client sends, as short signatures such as
 * `GetItem`, `BatchGetItem(3)`, `Query`, `TransactWriteItems(ConditionCheck, Put:audit, Put:event)`.
 * Installed on the server child's client and on the benchmark's raw client, it checks that the raw
 * runs replay exactly the calls each route makes (the code under test changes; the check does not).
 * Installed only between start() and take(): the timed runs carry none of it.
 */
export interface CallRecorder {
  /** Adds the recording middleware to the client. */
  start(): void;
  /** The calls since start(); removes the middleware again, so timed runs carry none of it. */
  take(): string[];
}

interface StackLike {
  middlewareStack: { add(mw: unknown, options: { step: 'initialize'; name: string; override?: boolean }): void; remove(name: string): boolean };
}

const NAME = 'benchCallRecorder';

export function callRecorder(client: StackLike): CallRecorder {
  let calls: string[] = [];
  return {
    start: () => {
      calls = [];
      client.middlewareStack.add(
        (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: unknown }) => {
          calls.push(signature(context.commandName ?? '?', args.input as Record<string, unknown>));
          return next(args);
        },
        { step: 'initialize', name: NAME, override: true },
      );
    },
    take: () => {
      client.middlewareStack.remove(NAME);
      return calls;
    },
  };
}

/** The entity attribute of an item, plain (document client) or marshalled ({S: …}). */
const entityOf = (item: unknown): string | undefined => {
  const e = (item as Record<string, unknown> | undefined)?.entity;
  return typeof e === 'string' ? e : typeof (e as { S?: unknown } | undefined)?.S === 'string' ? (e as { S: string }).S : undefined;
};

export function signature(commandName: string, input: Record<string, unknown>): string {
  const op = commandName.replace(/Command$/, '');
  if (op === 'BatchGetItem') {
    const requests = Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>);
    return `BatchGetItem(${requests.reduce((n, r) => n + (r.Keys?.length ?? 0), 0)})`;
  }
  if (op === 'TransactWriteItems' || op === 'TransactGetItems') {
    const parts = ((input.TransactItems ?? []) as Record<string, { Item?: unknown }>[]).map((t) => {
      const [kind, body] = Object.entries(t)[0] ?? ['?', {}];
      const entity = kind === 'Put' ? entityOf(body?.Item) : undefined;
      return entity ? `${kind}:${entity}` : kind;
    });
    return `${op}(${parts.sort().join(', ')})`;
  }
  if (op === 'PutItem') return `PutItem${entityOf(input.Item) ? `:${entityOf(input.Item)}` : ''}`;
  return op;
}

/** Calls as a sorted multiset (concurrent calls may start in either order). */
export const normalise = (calls: readonly string[]) => [...calls].sort();
