import type { Analytics } from './port';

/**
 * The ClickHouse schema, applied in order and idempotently (CREATE … IF NOT EXISTS). The local
 * stack applies it at start; in AWS a deploy step runs `applySchema` before the loader gets traffic.
 *
 * Loads must be idempotent (DESIGN §5): every fact table is a ReplacingMergeTree whose sorting key
 * includes the event id, so a replayed event collapses into the row it repeats. Read with FINAL
 * (or GROUP BY the key) when exact counts matter before background merges ran.
 */
export const schema: readonly { name: string; sql: string }[] = [
  {
    name: 'audit_log',
    // Every change, who made it, when, with before/after in `data` (DESIGN §8).
    sql: `
      CREATE TABLE IF NOT EXISTS audit_log (
        tenant_id     LowCardinality(String),
        event_id      String,
        event_type    LowCardinality(String),
        event_version UInt16,
        entity        LowCardinality(String),
        entity_id     String,
        actor         String,
        occurred_at   DateTime64(3, 'UTC'),
        data          String CODEC(ZSTD(3)),
        loaded_at     DateTime64(3, 'UTC') DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(occurred_at)
      ORDER BY (tenant_id, entity, entity_id, occurred_at, event_id)`,
  },
];

export async function applySchema(analytics: Analytics): Promise<void> {
  for (const statement of schema) await analytics.command(statement.sql);
}
