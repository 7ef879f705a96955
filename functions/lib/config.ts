import { z } from 'zod';

/**
 * Environment, parsed once at cold start and failing fast. Domain code never reads it;
 * adapters receive the values they need.
 */
const Env = z
  .object({
    TABLE_NAME: z.string().min(1).default('crm'),
    AWS_REGION: z.string().min(1).default('ap-south-1'),
    /** Set locally and in tests (DynamoDB Local); absent in AWS. */
    DYNAMODB_ENDPOINT: z.url().optional(),
    AUTH_MODE: z.enum(['cognito', 'local']).default('cognito'),
    COGNITO_USER_POOL_ID: z.string().optional(),
    COGNITO_CLIENT_ID: z.string().optional(),
    JWT_ISSUER: z.string().optional(),
    JWT_AUDIENCE: z.string().optional(),
    JWKS_URI: z.url().optional(),
    MAX_BODY_BYTES: z.coerce.number().int().positive().default(64 * 1024),
    /**
     * The keys that sign pagination cursors (so a client cannot steer one into another partition):
     * in AWS a Secrets Manager secret `{"current", "previous"?}` read on first use; locally and in
     * tests the keys themselves.
     */
    CURSOR_SECRET_ARN: z.string().startsWith('arn:').optional(),
    CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    CURSOR_SECRET_PREVIOUS: z.string().min(32, 'must be at least 32 characters').optional(),
    IDEMPOTENCY_TABLE_NAME: z.string().min(1).default('crm-idempotency'),
    /** Client images (visiting cards, signboards). */
    MEDIA_BUCKET: z.string().min(1).default('crm-media'),
    /** Set locally (s3rver on loopback); absent in AWS. */
    S3_ENDPOINT: z.url().optional(),
    /** Messages (email and WhatsApp) a tenant may send a minute (#14): the next one is 429 until the minute ends. */
    MESSAGES_PER_MINUTE: z.coerce.number().int().positive().default(60),
    /** Report runs (prebuilt and custom, #16) a tenant may start a minute. */
    REPORTS_PER_MINUTE: z.coerce.number().int().positive().default(30),
    /** Report runs a tenant may have in flight at once (#16): the next is 429 too_many_concurrent_reports. */
    REPORTS_CONCURRENT: z.coerce.number().int().positive().default(4),
  })
  .superRefine((env, ctx) => {
    const need = env.AUTH_MODE === 'cognito' ? (['COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID'] as const) : (['JWT_ISSUER', 'JWT_AUDIENCE', 'JWKS_URI'] as const);
    for (const key of need) if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: `required when AUTH_MODE=${env.AUTH_MODE}` });
    if (!env.CURSOR_SECRET_ARN && !env.CURSOR_SECRET) ctx.addIssue({ code: 'custom', path: ['CURSOR_SECRET_ARN'], message: 'CURSOR_SECRET_ARN (AWS) or CURSOR_SECRET (local) is required' });
  });

export type Config = z.infer<typeof Env>;

let cached: Config | undefined;

export function config(): Config {
  if (!cached) {
    const parsed = Env.safeParse(process.env);
    if (!parsed.success) throw new Error(`invalid environment: ${z.prettifyError(parsed.error)}`);
    cached = parsed.data;
  }
  return cached;
}

/**
 * Settings of the event pipeline (stream publisher, queue consumers, scheduled handlers), parsed
 * on their own: those functions verify no tokens, so the HTTP auth settings above are not
 * required of them. Every field is optional here; each adapter checks what it needs when built.
 */
const PipelineEnv = z.object({
  AWS_REGION: z.string().min(1).default('ap-south-1'),
  /** `local`: the local stack installs its in-process bus; absent → EventBridge. */
  EVENT_BUS_MODE: z.enum(['eventbridge', 'local']).optional(),
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** `chdb` locally (in-process engine at CHDB_PATH); absent → ClickHouse over HTTP. */
  ANALYTICS_MODE: z.enum(['clickhouse', 'chdb']).optional(),
  CHDB_PATH: z.string().min(1).optional(),
  /**
   * The ClickHouse HTTP(S) endpoint. Empty or `unset` counts as unset: the analytics stack passes
   * its `ClickHouseUrl` parameter through (empty until an endpoint is configured), and the API
   * stack reads it from an SSM parameter, whose value cannot be empty (`unset`).
   */
  CLICKHOUSE_URL: z.preprocess((value) => (value === '' || value === 'unset' ? undefined : value), z.url().optional()),
  /** Local and test credentials only; in AWS they come from CLICKHOUSE_SECRET_ARN. */
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_DATABASE: z.string().optional(),
  /**
   * A Secrets Manager secret holding `{"username", "password"}` for ClickHouse, read once per
   * container (functions/lib/analytics/index.ts); when set it takes precedence over
   * CLICKHOUSE_USER/CLICKHOUSE_PASSWORD, so no credential ever sits in a Lambda's environment.
   */
  CLICKHOUSE_SECRET_ARN: z.string().startsWith('arn:').optional(),
  /** Per-request timeout of the ClickHouse client, kept below the function's own timeout. */
  CLICKHOUSE_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
});

export type PipelineConfig = z.infer<typeof PipelineEnv>;

let pipelineCached: PipelineConfig | undefined;

export function pipelineConfig(): PipelineConfig {
  if (!pipelineCached) {
    const parsed = PipelineEnv.safeParse(process.env);
    if (!parsed.success) throw new Error(`invalid environment: ${z.prettifyError(parsed.error)}`);
    pipelineCached = parsed.data;
  }
  return pipelineCached;
}
