import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { pipelineConfig } from '../config';
import type { Analytics, QueryParams, Row } from './port';

export type { Analytics, QueryParams, Row } from './port';

let analytics: Promise<Analytics> | undefined;

/** The local stack plugs in the chDB session it opened; `undefined` removes it. */
export function installAnalytics(local: Analytics | undefined): void {
  analytics = local ? Promise.resolve(local) : undefined;
}

/** The process's analytics adapter, built once from the environment (ANALYTICS_MODE). */
export function getAnalytics(): Promise<Analytics> {
  analytics ??= build().catch((error: unknown) => {
    analytics = undefined;
    throw error;
  });
  return analytics;
}

async function build(): Promise<Analytics> {
  const cfg = pipelineConfig();
  if (cfg.ANALYTICS_MODE === 'chdb') {
    if (!cfg.CHDB_PATH) throw new Error('CHDB_PATH is required when ANALYTICS_MODE=chdb');
    // Imported only here, and the bundler leaves this import alone (infra/constructs/crm-function.ts
    // marks the adapter and `chdb` external): the native engine never enters a Lambda bundle.
    const { openChdb } = await import('./analytics.chdb');
    return openChdb(cfg.CHDB_PATH);
  }
  if (!cfg.CLICKHOUSE_URL) throw new Error('CLICKHOUSE_URL is required unless ANALYTICS_MODE=chdb');
  const secretArn = cfg.CLICKHOUSE_SECRET_ARN;
  const [login, { ClickHouseAnalytics, createClickHouseClient }] = await Promise.all([
    secretArn ? credentialsIn(secretArn, cfg.AWS_REGION) : { username: cfg.CLICKHOUSE_USER, password: cfg.CLICKHOUSE_PASSWORD },
    import('./analytics.clickhouse'),
  ]);
  const adapter = new ClickHouseAnalytics(
    createClickHouseClient({ url: cfg.CLICKHOUSE_URL, ...login, database: cfg.CLICKHOUSE_DATABASE, requestTimeoutMs: cfg.CLICKHOUSE_REQUEST_TIMEOUT_MS }),
  );
  return secretArn ? forgetCredentialsWhenRefused(adapter, secretArn) : adapter;
}

// --- Credentials from Secrets Manager (AWS) -------------------------------------------------------

interface ClickHouseCredentials {
  username: string;
  password: string;
}

/** Created on first use, then reused by every read of the container. */
let secretsManager: SecretsManagerClient | undefined;
/** One read per secret and container; a failed read is forgotten so the next batch tries again. */
const credentials = new Map<string, Promise<ClickHouseCredentials>>();

function credentialsIn(secretArn: string, region: string): Promise<ClickHouseCredentials> {
  let pending = credentials.get(secretArn);
  if (!pending) {
    const reading = readCredentials(secretArn, region);
    credentials.set(secretArn, reading);
    reading.catch(() => credentials.get(secretArn) === reading && credentials.delete(secretArn));
    pending = reading;
  }
  return pending;
}

async function readCredentials(secretArn: string, region: string): Promise<ClickHouseCredentials> {
  secretsManager ??= new SecretsManagerClient({ region });
  let secretString: string | undefined;
  try {
    ({ SecretString: secretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretArn })));
  } catch (error) {
    // The SDK's error carries no part of the secret (none was received): keep it as the cause.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`cannot read the ClickHouse credentials from ${secretArn} (${reason})`, { cause: error });
  }
  return parseCredentials(secretString, secretArn);
}

/**
 * The secret's JSON, checked by hand: neither JSON.parse's message (it quotes the text it
 * could not read) nor a schema library's issues (they may echo values) reach the error, so a
 * malformed secret never puts its content into a log.
 */
function parseCredentials(secretString: string | undefined, secretArn: string): ClickHouseCredentials {
  let value: unknown;
  try {
    value = JSON.parse(secretString ?? '');
  } catch {
    value = undefined;
  }
  const { username, password } = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  if (typeof username === 'string' && username !== '' && typeof password === 'string' && password !== '') return { username, password };
  throw new Error(`the secret ${secretArn} does not hold ClickHouse credentials as a JSON object {"username": "…", "password": "…"}`);
}

/** ClickHouse's AUTHENTICATION_FAILED (516): the password was changed since it was read. */
const isAuthenticationFailure = (error: unknown) => {
  const { code, type } = (error ?? {}) as { code?: unknown; type?: unknown };
  return code === '516' || type === 'AUTHENTICATION_FAILED';
};

/**
 * A rotated password is picked up without a cold start: when ClickHouse refuses the cached
 * credentials, they and the adapter are dropped, the call still fails (the batch is retried), and
 * the next getAnalytics() reads the secret again.
 */
function forgetCredentialsWhenRefused(adapter: Analytics, secretArn: string): Analytics {
  const guard = async <T>(call: Promise<T>): Promise<T> => {
    try {
      return await call;
    } catch (error) {
      if (isAuthenticationFailure(error)) {
        credentials.delete(secretArn);
        analytics = undefined;
        void adapter.close().catch(() => undefined);
      }
      throw error;
    }
  };
  return {
    query: <T = Row>(sql: string, params?: QueryParams) => guard(adapter.query<T>(sql, params)),
    runReport: (sql, params, settings) => guard(adapter.runReport(sql, params, settings)),
    insert: (table, rows, opts) => guard(adapter.insert(table, rows, opts)),
    command: (sql, params) => guard(adapter.command(sql, params)),
    close: () => adapter.close(),
  };
}
