import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Analytics } from '../../../functions/lib/analytics/port';

/**
 * A throw-away PostgreSQL 15 cluster (Debian's binaries): initdb in a temp directory, started on
 * 127.0.0.1 on a free port, stopped and deleted by `stop()`. PostgreSQL refuses to run as root, so
 * as root the binaries run as the `postgres` system user (runuser).
 *
 * Tuned as one would tune a reporting database on this machine (2 cores, plenty of RAM): the data
 * fits in shared_buffers, sorts and hashes of a month fit in work_mem, parallel query on, SSD page costs, JIT off (it costs tens of ms on
 * queries of this size and repays nothing). Durability is off (fsync, synchronous_commit): it only
 * speeds up the load, reads are unaffected. Autovacuum off: the data is static and VACUUM ANALYZE
 * runs after the load.
 */
const CONF = `
listen_addresses = '127.0.0.1'
max_connections = 40
shared_buffers = 4GB
effective_cache_size = 12GB
work_mem = 256MB
maintenance_work_mem = 1GB
max_worker_processes = 8
max_parallel_workers = 4
max_parallel_workers_per_gather = 2
max_parallel_maintenance_workers = 2
random_page_cost = 1.1
effective_io_concurrency = 200
jit = off
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 16GB
checkpoint_timeout = 30min
autovacuum = off
timezone = 'UTC'
log_min_messages = warning
`;

function binDir(): string {
  for (const dir of ['/usr/lib/postgresql/15/bin', '/usr/local/bin']) if (existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'initdb'))) return dir;
  const which = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (which.status === 0 && existsSync(join(which.stdout.trim(), 'pg_ctl'))) return which.stdout.trim();
  throw new Error('PostgreSQL 15 not found (looked in /usr/lib/postgresql/15/bin, /usr/local/bin, pg_config); install it: apt-get install -y postgresql-15');
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export interface PgCluster {
  port: number;
  pool: pg.Pool;
  /** A directory the server may read (COPY … FROM 'file'). */
  exchangeDir: string;
  stop(): Promise<void>;
}

export async function startPostgres(log: (s: string) => void): Promise<PgCluster> {
  const bin = binDir();
  const root = process.getuid?.() === 0;
  const base = mkdtempSync(join(tmpdir(), 'bench-dashboards-pg-'));
  chmodSync(base, 0o755);
  let uid = process.getuid?.() ?? 0;
  let gid = process.getgid?.() ?? 0;
  if (root) {
    const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    uid = id('-u');
    gid = id('-g');
    if (!Number.isInteger(uid) || uid === 0) throw new Error('running as root needs the postgres system user (Debian package postgresql-15 creates it)');
    chownSync(base, uid, gid);
  }
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: 'utf8', cwd: base });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  const data = join(base, 'data');
  const port = await freePort();
  let started = false;
  const stop = async () => {
    try {
      await pool.end();
    } catch {
      /* already ended */
    }
    if (started) {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      } catch (e) {
        log(`pg_ctl stop: ${(e as Error).message}`);
      }
      started = false;
    }
    rmSync(base, { recursive: true, force: true });
  };
  const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', max: 12 });
  pool.on('error', () => {}); // idle clients dropped at shutdown
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
    appendFileSync(data + '/postgresql.conf', CONF);
    run('pg_ctl', ['-D', data, '-l', join(base, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${base}`, 'start']);
    started = true;
    const version = await pool.query<{ v: string }>('SELECT version() AS v');
    log(`  ${version.rows[0]!.v.split(' on ')[0]} on 127.0.0.1:${port} (${data})`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, pool, exchangeDir: base, stop };
}

// ── schema, load, indexes ───────────────────────────────────────────────────────────────────────

/**
 * The four tables the dashboards read, column for column as in ClickHouse (so a heap row is as
 * wide as the fact it stores). Ids and low-cardinality strings are text (the cluster's collation
 * is C: strings sort bytewise, as in ClickHouse), DateTime64(3, 'UTC') is timestamptz.
 */
const TABLES: Record<string, { columns: [string, string][]; export?: Record<string, string> }> = {
  activities: {
    columns: [
      ['tenant_id', 'text'], ['activity_id', 'text'], ['kind', 'text'], ['event_id', 'text'], ['event_type', 'text'], ['opportunity_id', 'text'],
      ['client_id', 'text'], ['product_id', 'text'], ['staff_id', 'text'], ['assignee', 'text'], ['at', 'timestamptz'], ['scheduled_at', 'timestamptz'], ['loaded_at', 'timestamptz'],
    ],
  },
  stage_transitions: {
    columns: [
      ['tenant_id', 'text'], ['transition_id', 'text'], ['opportunity_id', 'text'], ['client_id', 'text'], ['product_id', 'text'], ['seq', 'bigint'], ['stage', 'text'],
      ['newly_reached', 'smallint'], ['from_stage', 'text'], ['to_stage', 'text'], ['direction', 'text'], ['outcome', 'text'], ['reason', 'text'], ['actor', 'text'],
      ['assigned_to', 'text'], ['lead_owner', 'text'], ['deal_value', 'bigint'], ['expected_revenue', 'bigint'], ['currency', 'text'], ['at', 'timestamptz'], ['loaded_at', 'timestamptz'],
    ],
  },
  opportunity_state: {
    columns: [
      ['tenant_id', 'text'], ['opportunity_id', 'text'], ['version', 'bigint'], ['client_id', 'text'], ['product_id', 'text'], ['stage', 'text'], ['stage_changed_at', 'timestamptz'],
      ['status', 'text'], ['outcome', 'text'], ['lost_reason', 'text'], ['deal_value', 'bigint'], ['closing_probability', 'double precision'], ['expected_revenue', 'bigint'],
      ['currency', 'text'], ['assigned_to', 'text'], ['lead_owner', 'text'], ['closing_owner', 'text'], ['co_salespersons', 'text[]'], ['warriors', 'text[]'],
      ['partner_company_id', 'text'], ['stages_reached', 'text[]'], ['expected_close_date', 'date'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'],
      ['closed_at', 'timestamptz'], ['loaded_at', 'timestamptz'],
    ],
    // ClickHouse writes arrays as ['a','b'] in TSV; PostgreSQL's text COPY wants {a,b} (the values hold no commas, quotes or braces).
    export: Object.fromEntries(['co_salespersons', 'warriors', 'stages_reached'].map((c) => [c, `concat('{', arrayStringConcat(${c}, ','), '}')`])),
  },
  revenue_credits: {
    columns: [
      ['tenant_id', 'text'], ['credit_id', 'text'], ['opportunity_id', 'text'], ['client_id', 'text'], ['product_id', 'text'], ['staff_id', 'text'], ['percent', 'smallint'],
      ['amount', 'bigint'], ['deal_value', 'bigint'], ['currency', 'text'], ['closing_owner', 'text'], ['lead_owner', 'text'], ['won_at', 'timestamptz'], ['loaded_at', 'timestamptz'],
    ],
  },
};

/**
 * The indexes a good engineer adds for these queries: each query's filter columns in the order it
 * filters (equality first, then the time range), with the columns it reads INCLUDEd so that a
 * VACUUMed table answers from the index alone (index-only scans).
 */
export const PG_INDEXES = [
  // figures (one staff or a team): kind and event_type equalities, then the week
  'CREATE INDEX activities_staff_kind_type_at ON activities (tenant_id, staff_id, kind, event_type, at) INCLUDE (event_id)',
  // eventTallies (every kind and type of a team in the week)
  'CREATE INDEX activities_staff_at ON activities (tenant_id, staff_id, at) INCLUDE (kind, event_type, event_id)',
  // figures tenant-wide (no staff filter: kind, type, then the month)
  'CREATE INDEX activities_kind_type_at ON activities (tenant_id, kind, event_type, at) INCLUDE (staff_id, event_id)',
  // pipelineHealth: the follow-ups of given opportunities, grouped by event
  'CREATE INDEX activities_opportunity ON activities (tenant_id, opportunity_id, event_id) INCLUDE (kind)',
  'CREATE INDEX transitions_staff_stage_at ON stage_transitions (tenant_id, assigned_to, stage, at) INCLUDE (newly_reached, opportunity_id)',
  'CREATE INDEX transitions_stage_at ON stage_transitions (tenant_id, stage, at) INCLUDE (newly_reached, assigned_to, opportunity_id)',
  // the latest version of each opportunity (DISTINCT ON … ORDER BY opportunity_id, version DESC), index-only
  'CREATE INDEX opportunity_state_latest ON opportunity_state (tenant_id, opportunity_id, version DESC) INCLUDE (assigned_to, stage, status, deal_value, stage_changed_at)',
  // the opportunities ever assigned to given staff
  'CREATE INDEX opportunity_state_assigned ON opportunity_state (tenant_id, assigned_to) INCLUDE (opportunity_id)',
  'CREATE INDEX credits_staff_won ON revenue_credits (tenant_id, staff_id, won_at) INCLUDE (credit_id, amount, product_id, opportunity_id, deal_value)',
  'CREATE INDEX credits_won ON revenue_credits (tenant_id, won_at) INCLUDE (credit_id, staff_id, amount, product_id, opportunity_id, deal_value)',
];

/** Exports each table from chDB as TSV (activities in `parts` files) into the exchange directory. */
export async function exportFromChdb(analytics: Analytics, dir: string, parts: number): Promise<Record<string, string[]>> {
  const files: Record<string, string[]> = {};
  for (const [table, t] of Object.entries(TABLES)) {
    const select = t.columns.map(([c]) => t.export?.[c] ?? c).join(', ');
    const n = table === 'activities' ? parts : 1;
    files[table] = [];
    for (let k = 0; k < n; k++) {
      const file = join(dir, `${table}.${k}.tsv`);
      const where = n > 1 ? `WHERE cityHash64(activity_id) % ${n} = ${k}` : '';
      await analytics.command(`INSERT INTO FUNCTION file('${file}', 'TSV') SELECT ${select} FROM ${table} ${where} SETTINGS engine_file_truncate_on_insert = 1`);
      chmodSync(file, 0o644);
      files[table].push(file);
    }
  }
  return files;
}

/** CREATE TABLE + COPY (in parallel, one connection per file), the indexes (two at a time), VACUUM ANALYZE. */
export async function loadPostgres(pool: pg.Pool, files: Record<string, string[]>, log: (s: string) => void): Promise<void> {
  const time = async <T>(what: string, f: () => Promise<T>) => {
    const t = performance.now();
    const r = await f();
    log(`  ${what} ${((performance.now() - t) / 1000).toFixed(1)} s`);
    return r;
  };
  for (const [table, t] of Object.entries(TABLES)) await pool.query(`CREATE TABLE ${table} (${t.columns.map(([c, type]) => `${c} ${type}`).join(', ')})`);
  await time('COPY (all tables, in parallel)', () =>
    Promise.all(Object.entries(files).flatMap(([table, list]) => list.map((f) => pool.query(`COPY ${table} (${TABLES[table]!.columns.map(([c]) => c).join(', ')}) FROM '${f}'`)))),
  );
  const queue = [...PG_INDEXES];
  await time(`CREATE INDEX ×${PG_INDEXES.length} (two at a time)`, () =>
    Promise.all(
      [0, 1].map(async () => {
        const c = await pool.connect();
        try {
          await c.query("SET maintenance_work_mem = '1GB'");
          for (let ddl = queue.shift(); ddl; ddl = queue.shift()) await c.query(ddl);
        } finally {
          c.release();
        }
      }),
    ),
  );
  await time('VACUUM ANALYZE', () => Promise.all(Object.keys(TABLES).map((table) => pool.query(`VACUUM (ANALYZE) ${table}`))));
}

export async function pgSizes(pool: pg.Pool): Promise<{ table: string; rows: number; heapMb: number; indexMb: number }[]> {
  const r = await pool.query<{ table: string; rows: string; heap: string; idx: string }>(
    `SELECT relname AS table, reltuples::bigint AS rows, pg_table_size(oid) AS heap, pg_indexes_size(oid) AS idx FROM pg_class WHERE relname = ANY($1) ORDER BY relname`,
    [Object.keys(TABLES)],
  );
  return r.rows.map((x) => ({ table: x.table, rows: Number(x.rows), heapMb: Math.round(Number(x.heap) / 2 ** 20), indexMb: Math.round(Number(x.idx) / 2 ** 20) }));
}
