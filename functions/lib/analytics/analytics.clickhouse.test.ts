import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClickHouseAnalytics, createClickHouseClient } from './analytics.clickhouse';

// `@clickhouse/client`, the production adapter, checked at the level of what it puts on the wire:
// a small HTTP server on loopback records every request and answers as ClickHouse's HTTP interface
// does (JSONEachRow lines for a SELECT, an empty 200 for anything else, an exception text with a
// 5xx for an error).

interface Recorded {
  method: string;
  /** The raw request target, e.g. `/?query_id=…&param_x=…` */
  url: string;
  params: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

type Answer = { status?: number; body?: string; hang?: boolean };

class FakeClickHouse {
  readonly requests: Recorded[] = [];
  /** Decides each answer; the default answers a SELECT with `rows`, anything else with an empty 200. */
  answer: (request: Recorded) => Answer = (request) => (/^\s*SELECT\b/i.test(request.body) ? { body: this.rows.map((r) => `${JSON.stringify(r)}\n`).join('') } : {});
  rows: Record<string, unknown>[] = [];
  aborted = 0;
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = req.url ?? '/';
        const request: Recorded = { method: req.method ?? '', url, params: new URL(url, 'http://fake').searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(request);
        const { status = 200, body = '', hang = false } = this.answer(request);
        if (hang) {
          res.on('close', () => (this.aborted += 1));
          return;
        }
        res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-format': 'JSONEachRow' });
        res.end(body);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  reset(): void {
    this.requests.length = 0;
    this.rows = [];
    this.aborted = 0;
    this.answer = (request) => (/^\s*SELECT\b/i.test(request.body) ? { body: this.rows.map((r) => `${JSON.stringify(r)}\n`).join('') } : {});
  }
}

const fake = new FakeClickHouse();
let url: string;
beforeAll(async () => {
  url = await fake.start();
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

describe('ClickHouseAnalytics over HTTP (@clickhouse/client)', () => {
  const password = 'pa55:w/rd?&=';
  let analytics: ClickHouseAnalytics;
  beforeEach(() => {
    analytics = new ClickHouseAnalytics(createClickHouseClient({ url, username: 'crm_loader', password, database: 'crm', requestTimeoutMs: 300 }));
  });
  afterEach(() => analytics.close());

  it('sends query parameters as param_<name>, never spliced into the SQL, and reads JSONEachRow', async () => {
    fake.rows = [{ n: 3 }, { n: 4 }];
    const sql = 'SELECT count() AS n FROM activities WHERE tenant_id = {tenant:String} AND staff_id IN {staff:Array(String)}';
    const rows = await analytics.query(sql, { tenant: "o'brien; DROP TABLE activities", staff: ['tse-1', 'tse-2'] });

    expect(rows).toEqual([{ n: 3 }, { n: 4 }]);
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request!.method).toBe('POST');
    expect(request!.body).toBe(`${sql} \nFORMAT JSONEachRow`);
    // ClickHouse's own escaping of parameter values (a quote becomes \').
    expect(request!.params.get('param_tenant')).toBe("o\\'brien; DROP TABLE activities");
    expect(request!.params.get('param_staff')).toBe("['tse-1','tse-2']");
    expect(request!.body).not.toContain('brien');
    expect(request!.body).not.toContain('tse-1');
  });

  it('sends the engine settings and the database with every query, insert and command', async () => {
    await analytics.query('SELECT 1 AS n');
    await analytics.insert('activities', [{ activity_id: 'a1' }]);
    await analytics.command('OPTIMIZE TABLE activities');
    expect(fake.requests).toHaveLength(3);
    for (const { params } of fake.requests) {
      expect(params.get('output_format_json_quote_64bit_integers')).toBe('0');
      expect(params.get('date_time_input_format')).toBe('best_effort');
      expect(params.get('database')).toBe('crm');
    }
    expect(fake.requests[2]!.body).toBe('OPTIMIZE TABLE activities');
  });

  it('runs a report with its parameters bound and its bounds as request settings, leaving readonly to the query’s own SETTINGS clause', async () => {
    fake.rows = [{ d0: 'Lead', m0: 2 }];
    const sql = "SELECT stage AS d0, count() AS m0 FROM opportunity_state FINAL WHERE tenant_id = {tenant:String} GROUP BY d0 LIMIT {limit:UInt32}\nSETTINGS max_execution_time = 10, max_result_rows = 10000, result_overflow_mode = 'throw', readonly = 1";
    const rows = await analytics.runReport(sql, { tenant: 'acme', limit: 1000 }, { max_execution_time: 10, max_result_rows: 10_000, result_overflow_mode: 'throw', readonly: 1 });
    expect(rows).toEqual([{ d0: 'Lead', m0: 2 }]);
    const [request] = fake.requests;
    expect(request!.body).toBe(`${sql} \nFORMAT JSONEachRow`);
    expect(request!.params.get('param_tenant')).toBe('acme');
    expect(request!.params.get('param_limit')).toBe('1000');
    expect(request!.params.get('max_execution_time')).toBe('10');
    expect(request!.params.get('max_result_rows')).toBe('10000');
    expect(request!.params.get('result_overflow_mode')).toBe('throw');
    expect(request!.params.get('output_format_json_quote_64bit_integers')).toBe('0');
    expect(request!.params.has('readonly')).toBe(false);
  });

  it('inserts all rows in one JSONEachRow request carrying insert_deduplication_token', async () => {
    await analytics.insert('activities', [{ activity_id: 'a1', n: 1 }, { activity_id: 'a2', n: 2 }], { deduplicationToken: 'activities:batch-1' });
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request!.params.get('query')).toBe('INSERT INTO activities FORMAT JSONEachRow');
    expect(request!.params.get('insert_deduplication_token')).toBe('activities:batch-1');
    expect(request!.body).toBe('{"activity_id":"a1","n":1}\n{"activity_id":"a2","n":2}\n');
  });

  it('sends no deduplication token when none is asked for, and no request for no rows', async () => {
    await analytics.insert('activities', []);
    expect(fake.requests).toHaveLength(0);
    await analytics.insert('activities', [{ activity_id: 'a1' }]);
    expect(fake.requests[0]!.params.has('insert_deduplication_token')).toBe(false);
  });

  it('sends the credentials as basic auth, never in the URL', async () => {
    await analytics.query('SELECT 1 AS n');
    await analytics.insert('activities', [{ activity_id: 'a1' }]);
    for (const request of fake.requests) {
      expect(request.headers.authorization).toBe(basic('crm_loader', password));
      expect(request.url).not.toContain('crm_loader');
      for (const form of [password, encodeURIComponent(password), 'pa55']) expect(request.url).not.toContain(form);
      expect([...request.params.keys()].filter((k) => /user|password|key/i.test(k))).toEqual([]);
    }
  });

  it('gives up on a request that outlives the request timeout', async () => {
    fake.answer = () => ({ hang: true });
    const started = Date.now();
    await expect(analytics.query('SELECT 1 AS n')).rejects.toThrow(/timeout/i);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5_000);
    // The client hung up; the server saw the connection go.
    await vi.waitFor(() => expect(fake.aborted).toBe(1));
  });

  it('turns a ClickHouse exception into an error with its code and type', async () => {
    fake.answer = () => ({ status: 500, body: 'Code: 60. DB::Exception: Unknown table expression identifier \'nope\'. (UNKNOWN_TABLE) (version 25.8.1.1)\n' });
    await expect(analytics.query('SELECT * FROM nope')).rejects.toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
  });
});

describe('getAnalytics() with CLICKHOUSE_SECRET_ARN', () => {
  const secretArn = 'arn:aws:secretsmanager:ap-south-1:123456789012:secret:crm-clickhouse-AbCdEf';
  const password = 'Zq8uXw3PkR7vLm2N';
  const secretsManager = mockClient(SecretsManagerClient);
  const saved = { ...process.env };
  const logged: string[] = [];

  /** A fresh module graph, so the config, the adapter and the credential cache start empty. */
  const freshAnalytics = async () => {
    vi.resetModules();
    return import('./index');
  };
  const secret = (value: unknown) => ({ SecretString: typeof value === 'string' ? value : JSON.stringify(value), ARN: secretArn, Name: 'crm-clickhouse' });

  beforeEach(() => {
    secretsManager.reset();
    Object.assign(process.env, {
      CLICKHOUSE_URL: url,
      CLICKHOUSE_DATABASE: 'crm',
      CLICKHOUSE_SECRET_ARN: secretArn,
      // Set to show the secret wins: these never reach ClickHouse when a secret is named.
      CLICKHOUSE_USER: 'env-user',
      CLICKHOUSE_PASSWORD: 'env-password',
    });
    delete process.env.ANALYTICS_MODE;
    // Everything the process logs is captured (the logger is made anew by freshAnalytics()).
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    logged.length = 0;
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown) => {
        logged.push(String(chunk));
        return true;
      }) as typeof stream.write);
    }
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });
  afterAll(() => secretsManager.restore());

  /** Everything an error carries that a logger could print. */
  const everythingIn = (error: unknown): string => {
    const parts: string[] = [];
    for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) parts.push(String(e), String((e as Error).stack), JSON.stringify(e, Object.getOwnPropertyNames(e)));
    return parts.join('\n');
  };

  it('reads the secret once per container, with exactly the secret id, and logs in with it', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secret({ username: 'crm_loader', password }));
    const { getAnalytics, installAnalytics } = await freshAnalytics();

    const first = await getAnalytics();
    await first.query('SELECT 1 AS n');
    installAnalytics(undefined); // the adapter is built again, the credentials are not read again
    const second = await getAnalytics();
    expect(second).not.toBe(first);
    await second.insert('activities', [{ activity_id: 'a1' }]);

    const calls = secretsManager.commandCalls(GetSecretValueCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ SecretId: 'arn:aws:secretsmanager:ap-south-1:123456789012:secret:crm-clickhouse-AbCdEf' });
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([basic('crm_loader', password), basic('crm_loader', password)]);
    expect(fake.requests.every((r) => r.params.get('database') === 'crm')).toBe(true);
    expect(logged.join('\n')).not.toContain(password);
  });

  it('fails the build when the secret cannot be read, and reads it again on the next attempt', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('User is not authorized to perform secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' }))
      .resolves(secret({ username: 'crm_loader', password }));
    const { getAnalytics } = await freshAnalytics();

    await expect(getAnalytics()).rejects.toThrow(
      'cannot read the ClickHouse credentials from arn:aws:secretsmanager:ap-south-1:123456789012:secret:crm-clickhouse-AbCdEf (AccessDeniedException: User is not authorized to perform secretsmanager:GetSecretValue)',
    );
    const analytics = await getAnalytics();
    await analytics.query('SELECT 1 AS n');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(fake.requests[0]!.headers.authorization).toBe(basic('crm_loader', password));
  });

  it.each([
    ['text that is not JSON', `password=${password}`],
    ['JSON without a username', JSON.stringify({ password })],
    ['a password that is not a string', JSON.stringify({ username: password, password: 42 })],
    ['a JSON string', JSON.stringify(password)],
  ])('refuses a secret holding %s without echoing any of it', async (_, value) => {
    secretsManager.on(GetSecretValueCommand).resolves(secret(value));
    const { getAnalytics } = await freshAnalytics();
    const error = await getAnalytics().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      'the secret arn:aws:secretsmanager:ap-south-1:123456789012:secret:crm-clickhouse-AbCdEf does not hold ClickHouse credentials as a JSON object {"username": "…", "password": "…"}',
    );
    expect(everythingIn(error)).not.toContain(password);
    expect(logged.join('\n')).not.toContain(password);
    expect(fake.requests).toHaveLength(0);
  });

  it('reads the secret again after ClickHouse refuses the cached password (rotation), failing that call', async () => {
    const rotated = 'Rt9sNewPassw0rdXy';
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce(secret({ username: 'crm_loader', password }))
      .resolves(secret({ username: 'crm_loader', password: rotated }));
    fake.answer = (request) =>
      request.headers.authorization === basic('crm_loader', rotated)
        ? { body: '{"n":1}\n' }
        : { status: 516, body: 'Code: 516. DB::Exception: crm_loader: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED) (version 25.8.1.1)\n' };
    const { getAnalytics } = await freshAnalytics();

    const stale = await getAnalytics();
    const error = await stale.query('SELECT 1 AS n').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
    expect(everythingIn(error)).not.toContain(password);

    const fresh = await getAnalytics();
    expect(fresh).not.toBe(stale);
    expect(await fresh.query('SELECT 1 AS n')).toEqual([{ n: 1 }]);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([basic('crm_loader', password), basic('crm_loader', rotated)]);
    // The refused request was logged (by the client, through the process's logger): without either password.
    expect(logged.join('\n')).toContain('AUTHENTICATION_FAILED');
    expect(logged.join('\n')).not.toContain(password);
    expect(logged.join('\n')).not.toContain(rotated);
  });

  it('keeps the cached credentials across other ClickHouse errors', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secret({ username: 'crm_loader', password }));
    fake.answer = () => ({ status: 500, body: "Code: 60. DB::Exception: Unknown table expression identifier 'nope'. (UNKNOWN_TABLE) (version 25.8.1.1)\n" });
    const { getAnalytics } = await freshAnalytics();
    const analytics = await getAnalytics();
    await expect(analytics.query('SELECT * FROM nope')).rejects.toMatchObject({ code: '60' });
    expect(await getAnalytics()).toBe(analytics);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('uses the environment credentials when no secret is named (local stack)', async () => {
    delete process.env.CLICKHOUSE_SECRET_ARN;
    const { getAnalytics } = await freshAnalytics();
    await (await getAnalytics()).query('SELECT 1 AS n');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(fake.requests[0]!.headers.authorization).toBe(basic('env-user', 'env-password'));
  });

  it('applies CLICKHOUSE_REQUEST_TIMEOUT_MS to every request', async () => {
    process.env.CLICKHOUSE_REQUEST_TIMEOUT_MS = '200';
    secretsManager.on(GetSecretValueCommand).resolves(secret({ username: 'crm_loader', password }));
    fake.answer = () => ({ hang: true });
    const { getAnalytics } = await freshAnalytics();
    const started = Date.now();
    await expect((await getAnalytics()).query('SELECT 1 AS n')).rejects.toThrow(/timeout/i);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('treats an empty CLICKHOUSE_URL (the stack before an endpoint is set) as no endpoint', async () => {
    process.env.CLICKHOUSE_URL = '';
    const { getAnalytics } = await freshAnalytics();
    await expect(getAnalytics()).rejects.toThrow('CLICKHOUSE_URL is required unless ANALYTICS_MODE=chdb');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
