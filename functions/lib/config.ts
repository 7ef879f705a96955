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
  })
  .superRefine((env, ctx) => {
    const need = env.AUTH_MODE === 'cognito' ? (['COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID'] as const) : (['JWT_ISSUER', 'JWT_AUDIENCE', 'JWKS_URI'] as const);
    for (const key of need) if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: `required when AUTH_MODE=${env.AUTH_MODE}` });
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
