import type { Analytics } from './port';

/**
 * The ClickHouse fact model, as versioned migrations applied in order, each once
 * (`schema_migrations` records them) and each idempotent on its own (IF NOT EXISTS), so applying
 * twice, or after a crash half-way, is harmless. The local stack applies them at start; in AWS a
 * custom resource of the analytics stack applies them on every deploy before the loader runs.
 *
 * Exact counts without FINAL. Every fact row has a natural key (`*_id`: the same on the live path
 * and in a backfill) and the tables are ReplacingMergeTree, so duplicates from at-least-once
 * delivery collapse at merge time; until they do, the queries count and sum over distinct keys
 * (`uniqExact(activity_id)`, or `argMax(…, version)` grouped by the key), which is exact whether or
 * not the merge has run. Each insert also carries a deduplication token, so a batch SQS hands over
 * again is not inserted again at all (`non_replicated_deduplication_window`; ClickHouse Cloud's
 * replicated tables deduplicate by default).
 *
 * Keys: tenant first (every query is one tenant's), then the column dashboards filter by (staff),
 * then time; partitions by month (a month is dropped or re-loaded as a unit). LowCardinality for
 * columns of a few hundred values per tenant (staff ids, products, stages, types); plain String
 * for ids.
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

const DEDUP = 'non_replicated_deduplication_window = 1000';

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'the fact tables',
    statements: [
      // One row per follow-up scheduled, completed or missed: "how many calls did tse-1 complete
      // this week". staff_id is who acted (scheduled it, completed it; for a miss, the assignee).
      `CREATE TABLE IF NOT EXISTS activities (
        tenant_id      LowCardinality(String),
        activity_id    String,
        kind           LowCardinality(String),
        event_id       String,
        event_type     LowCardinality(String),
        opportunity_id String,
        client_id      String,
        product_id     LowCardinality(String),
        staff_id       LowCardinality(String),
        assignee       LowCardinality(String),
        at             DateTime64(3, 'UTC'),
        scheduled_at   DateTime64(3, 'UTC'),
        loaded_at      DateTime64(3, 'UTC') DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(at)
      ORDER BY (tenant_id, staff_id, kind, event_type, at, activity_id)
      SETTINGS ${DEDUP}`,

      // One row per stage an opportunity reaches (a skip Lead → Demo reaches three), with the move
      // that reached it; a move that reaches nothing new (a correction, a loss) is one row with
      // newly_reached = 0; creation at a later stage reaches the stages before it (seq 0).
      // Funnel counts: countIf(newly_reached) per stage, over distinct transition_id.
      `CREATE TABLE IF NOT EXISTS stage_transitions (
        tenant_id        LowCardinality(String),
        transition_id    String,
        opportunity_id   String,
        client_id        String,
        product_id       LowCardinality(String),
        seq              UInt32,
        stage            LowCardinality(String),
        newly_reached    UInt8,
        from_stage       LowCardinality(String),
        to_stage         LowCardinality(String),
        direction        LowCardinality(String),
        outcome          LowCardinality(String),
        reason           String,
        actor            LowCardinality(String),
        assigned_to      LowCardinality(String),
        lead_owner       LowCardinality(String),
        deal_value       Int64,
        expected_revenue Int64,
        currency         LowCardinality(String),
        at               DateTime64(3, 'UTC'),
        loaded_at        DateTime64(3, 'UTC') DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(at)
      ORDER BY (tenant_id, assigned_to, stage, at, transition_id)
      SETTINGS ${DEDUP}`,

      // The current state of every opportunity: the row with the highest version wins. The key
      // holds nothing that changes (a reassignment must replace the row, not add one beside it).
      `CREATE TABLE IF NOT EXISTS opportunity_state (
        tenant_id           LowCardinality(String),
        opportunity_id      String,
        version             UInt32,
        client_id           String,
        product_id          LowCardinality(String),
        stage               LowCardinality(String),
        status              LowCardinality(String),
        outcome             LowCardinality(String),
        lost_reason         String,
        deal_value          Int64,
        closing_probability Float64,
        expected_revenue    Int64,
        currency            LowCardinality(String),
        assigned_to         LowCardinality(String),
        lead_owner          LowCardinality(String),
        closing_owner       LowCardinality(String),
        co_salespersons     Array(LowCardinality(String)),
        warriors            Array(LowCardinality(String)),
        partner_company_id  LowCardinality(String),
        stages_reached      Array(LowCardinality(String)),
        expected_close_date Nullable(Date),
        created_at          DateTime64(3, 'UTC'),
        updated_at          DateTime64(3, 'UTC'),
        closed_at           Nullable(DateTime64(3, 'UTC')),
        loaded_at           DateTime64(3, 'UTC') DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY (tenant_id, opportunity_id)
      SETTINGS ${DEDUP}`,

      // One row per credit record of a won deal (spec §9): revenue achieved is the sum of a staff
      // member's amounts over the deals won in the period.
      `CREATE TABLE IF NOT EXISTS revenue_credits (
        tenant_id      LowCardinality(String),
        credit_id      String,
        opportunity_id String,
        client_id      String,
        product_id     LowCardinality(String),
        staff_id       LowCardinality(String),
        percent        UInt8,
        amount         Int64,
        deal_value     Int64,
        currency       LowCardinality(String),
        closing_owner  LowCardinality(String),
        lead_owner     LowCardinality(String),
        won_at         DateTime64(3, 'UTC'),
        loaded_at      DateTime64(3, 'UTC') DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(won_at)
      ORDER BY (tenant_id, staff_id, won_at, credit_id)
      SETTINGS ${DEDUP}`,

      // The staff dimension: role, reporting path (a manager's team is a prefix), active.
      `CREATE TABLE IF NOT EXISTS staff (
        tenant_id          LowCardinality(String),
        staff_id           String,
        version            UInt32,
        name               String,
        role               LowCardinality(String),
        manager_id         String,
        path               String,
        active             UInt8,
        partner_company_id String,
        updated_at         DateTime64(3, 'UTC'),
        loaded_at          DateTime64(3, 'UTC') DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY (tenant_id, staff_id)
      SETTINGS ${DEDUP}`,

      // Every audit entry (DESIGN §8): who, when, what, before and after.
      `CREATE TABLE IF NOT EXISTS audit_log (
        tenant_id LowCardinality(String),
        audit_id  String,
        entity    LowCardinality(String),
        entity_id String,
        action    LowCardinality(String),
        actor     LowCardinality(String),
        scope_id  String,
        at        DateTime64(3, 'UTC'),
        before    String CODEC(ZSTD(3)),
        after     String CODEC(ZSTD(3)),
        loaded_at DateTime64(3, 'UTC') DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(at)
      ORDER BY (tenant_id, entity, entity_id, at, audit_id)
      SETTINGS ${DEDUP}`,
    ],
  },
  {
    version: 2,
    name: 'when an opportunity entered its stage',
    statements: ["ALTER TABLE opportunity_state ADD COLUMN IF NOT EXISTS stage_changed_at DateTime64(3, 'UTC') DEFAULT created_at AFTER stage"],
  },
  {
    version: 3,
    name: "a staff member's opportunities and the pending follow-ups, read by key",
    statements: [
      // Who held the opportunity before this version, when this version moved it to someone else.
      "ALTER TABLE opportunity_state ADD COLUMN IF NOT EXISTS previous_assignee LowCardinality(String) DEFAULT '' AFTER assigned_to",
      // Each version of an opportunity filed under its assignee and, when it moved the opportunity
      // away, under the one it left: the latest version filed under a staff member says whether it
      // is still theirs (argMax(assigned_to, version) = them), and the latest before an instant
      // whether it was then (updated_at). A staff member's or a team's pipeline reads their own key
      // range, not the tenant's opportunities.
      `CREATE TABLE IF NOT EXISTS opportunity_by_staff (
        tenant_id        LowCardinality(String),
        staff_id         LowCardinality(String),
        opportunity_id   String,
        version          UInt32,
        assigned_to      LowCardinality(String),
        stage            LowCardinality(String),
        status           LowCardinality(String),
        deal_value       Int64,
        stage_changed_at DateTime64(3, 'UTC'),
        updated_at       DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY (tenant_id, staff_id, opportunity_id)
      SETTINGS index_granularity = 1024`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS opportunity_by_staff_mv TO opportunity_by_staff AS
       SELECT tenant_id, staff_id, opportunity_id, version, assigned_to, stage, status, deal_value, stage_changed_at, updated_at
       FROM opportunity_state
       ARRAY JOIN arrayDistinct(arrayFilter(s -> s != '', [assigned_to, previous_assignee])) AS staff_id`,
      // The rows already loaded: each under its assignee, and under the one the next version left.
      `INSERT INTO opportunity_by_staff
       SELECT tenant_id, staff_id, opportunity_id, version, assigned_to, stage, status, deal_value, stage_changed_at, updated_at
       FROM (SELECT *, lagInFrame(assigned_to, 1, '') OVER (PARTITION BY tenant_id, opportunity_id ORDER BY version ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS before
             FROM opportunity_state)
       ARRAY JOIN arrayDistinct(arrayFilter(s -> s != '', [assigned_to, before])) AS staff_id`,
      // One row per follow-up and what became of it: scheduled (version 1), then completed or
      // missed (version 2, deleted). FINAL leaves the follow-ups still pending, the deals' next
      // steps; cleanup merges drop the done ones, so the table stays the size of the diary ahead.
      `CREATE TABLE IF NOT EXISTS followups (
        tenant_id      LowCardinality(String),
        opportunity_id String,
        event_id       String,
        version        UInt8,
        is_deleted     UInt8
      )
      ENGINE = ReplacingMergeTree(version, is_deleted)
      ORDER BY (tenant_id, opportunity_id, event_id)
      SETTINGS allow_experimental_replacing_merge_with_cleanup = 1, enable_replacing_merge_with_cleanup_for_min_age_to_force_merge = 1,
               min_age_to_force_merge_seconds = 3600, min_age_to_force_merge_on_partition_only = 1`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS followups_mv TO followups AS
       SELECT tenant_id, opportunity_id, event_id, if(kind = 'scheduled', 1, 2) AS version, toUInt8(kind != 'scheduled') AS is_deleted FROM activities`,
      `INSERT INTO followups SELECT tenant_id, opportunity_id, event_id, if(kind = 'scheduled', 1, 2), toUInt8(kind != 'scheduled') FROM activities`,
    ],
  },
  {
    version: 4,
    name: 'lead arrivals, for lead response time',
    statements: [
      // One row per opportunity a lead source made (issue #13 item 7, DESIGN §9): when the lead
      // arrived and whom it was assigned to then. Its response time is read at query time (no
      // second fact to keep in step): the first completed follow-up of the opportunity in
      // `activities` (kind = 'completed', any type: every follow-up is a contact with the client,
      // and only a person completes one — the system only marks them Missed) minus arrived_at.
      // Every column is fixed at creation, so a redelivered event is the same row (whole key).
      // Leads that arrived before this migration are filled by `npm run backfill`.
      `CREATE TABLE IF NOT EXISTS lead_arrivals (
        tenant_id      LowCardinality(String),
        opportunity_id String,
        client_id      String,
        product_id     LowCardinality(String),
        assigned_to    LowCardinality(String),
        channel        LowCardinality(String),
        connection_id  String,
        external_id    String,
        arrived_at     DateTime64(3, 'UTC'),
        loaded_at      DateTime64(3, 'UTC') DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(arrived_at)
      ORDER BY (tenant_id, assigned_to, arrived_at, opportunity_id)
      SETTINGS ${DEDUP}`,
    ],
  },
  {
    version: 5,
    name: 'messages of the communication hub, for message volume and response times',
    statements: [
      // One row per message of the communication hub (#14, DESIGN §11), from message.sent and
      // message.received; message.status_changed moves its status on. A status change does not
      // carry the message's sender or time, so its row holds only what it knows ('' and the
      // epoch for the rest) and the rows of one message merge column by column with max():
      // '' < any value, the epoch < any time, and the status rank only rises (queued 0, sent 1,
      // delivered 2, read 3, failed 4: domain/messages/message.ts withStatus moves forward only,
      // and to failed only before read), so the merged row is the message as it stands however
      // the events arrive, and a replay changes nothing. FINAL reads it merged. staff_id is the
      // sender of an outbound message; an inbound one carries no staff (message.received does not
      // say whom it is counted for). Messages that arrived before this migration are filled by
      // `npm run backfill`.
      `CREATE TABLE IF NOT EXISTS messages (
        tenant_id      LowCardinality(String),
        client_id      String,
        message_id     String,
        opportunity_id SimpleAggregateFunction(max, String),
        channel        SimpleAggregateFunction(max, LowCardinality(String)),
        direction      SimpleAggregateFunction(max, LowCardinality(String)),
        staff_id       SimpleAggregateFunction(max, LowCardinality(String)),
        status_rank    SimpleAggregateFunction(max, UInt8),
        status         LowCardinality(String) ALIAS if(direction = 'inbound', 'received', arrayElement(['queued', 'sent', 'delivered', 'read', 'failed'], status_rank + 1)),
        at             SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
        loaded_at      SimpleAggregateFunction(max, DateTime64(3, 'UTC')) DEFAULT now64(3)
      )
      ENGINE = AggregatingMergeTree
      ORDER BY (tenant_id, client_id, message_id)
      SETTINGS ${DEDUP}`,
      // Each client's thread in time order (what was said when, by whom), from the messages' own
      // rows (a status change adds nothing): response times are read from it at query time
      // (domain/reports/sources.ts), walking one client's messages in key order.
      `CREATE TABLE IF NOT EXISTS message_thread (
        tenant_id  LowCardinality(String),
        client_id  String,
        at         DateTime64(3, 'UTC'),
        message_id String,
        direction  LowCardinality(String),
        staff_id   LowCardinality(String)
      )
      ENGINE = ReplacingMergeTree
      ORDER BY (tenant_id, client_id, at, message_id)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS message_thread_mv TO message_thread AS
       SELECT tenant_id, client_id, at, message_id, direction, staff_id FROM messages WHERE direction != ''`,
    ],
  },
  {
    version: 6,
    name: 'the feedback of completed demos and visits, for feedback themes',
    statements: [
      // On a completed Demo Completed / Visit Completed row: the budget the customer gave (minor
      // units) and the competitor named (domain/reports/themes.ts competitorNamed: '' for none);
      // NULL and '' on every other row. Rows loaded before this migration get them from
      // `npm run backfill` (the event items hold the feedback).
      'ALTER TABLE activities ADD COLUMN IF NOT EXISTS budget Nullable(Int64) AFTER scheduled_at',
      "ALTER TABLE activities ADD COLUMN IF NOT EXISTS competitor String DEFAULT '' AFTER budget",
    ],
  },
];

/** The tables the loader writes, for tests and tools that clear or count them. */
export const FACT_TABLES = ['activities', 'stage_transitions', 'opportunity_state', 'revenue_credits', 'staff', 'audit_log', 'lead_arrivals', 'messages'] as const;
/** Tables filled by materialized views from the fact tables (migrations 3 and 5): cleared with them, never written directly. */
export const DERIVED_TABLES = ['opportunity_by_staff', 'followups', 'message_thread'] as const;

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    UInt32,
  name       String,
  applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree ORDER BY version`;

/**
 * Before migrations were recorded, the only table was an `audit_log` of every domain event; a data
 * directory from then is moved aside so migration 1 can create the `audit_log` of audit entries.
 * Its rows can be rebuilt from DynamoDB (`npm run backfill`).
 */
async function moveLegacyEventLog(analytics: Analytics): Promise<void> {
  const legacy = await analytics.query<{ n: number }>(
    "SELECT count() AS n FROM system.columns WHERE database = currentDatabase() AND table = 'audit_log' AND name = 'event_type'",
  );
  if (legacy[0]?.n) await analytics.command('RENAME TABLE audit_log TO audit_log_legacy_events');
}

/** Applies the migrations not applied yet, in order; returns the versions it applied. */
export async function applyMigrations(analytics: Analytics, list: readonly Migration[] = migrations): Promise<number[]> {
  const fresh = (await analytics.query<{ n: number }>("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'"))[0]?.n === 0;
  await analytics.command(LEDGER);
  if (fresh) await moveLegacyEventLog(analytics);
  const applied = new Set((await analytics.query<{ version: number }>('SELECT version FROM schema_migrations FINAL')).map((r) => r.version));
  const done: number[] = [];
  for (const m of [...list].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    for (const statement of m.statements) await analytics.command(statement);
    await analytics.insert('schema_migrations', [{ version: m.version, name: m.name }]);
    done.push(m.version);
  }
  return done;
}
