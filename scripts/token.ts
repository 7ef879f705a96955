import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Role, Slug } from '../domain/access/roles';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../functions/lib/auth/verifier';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, loadOrCreateIssuer } from './local/issuer';

/** `npm run token -- --tenant demo --role tse --staff tse-1 [--ttl 3600]`: a signed local access token. */
const { values } = parseArgs({
  options: { tenant: { type: 'string' }, role: { type: 'string' }, staff: { type: 'string' }, ttl: { type: 'string', default: '43200' } },
});
const args = z
  .object({ tenant: Slug, role: Role, staff: Slug, ttl: z.coerce.number().int().positive().max(MAX_TOKEN_LIFETIME_SECONDS, 'must be at most 86400 seconds (24 hours): the API refuses longer-lived tokens') })
  .safeParse(values);
if (!args.success) {
  console.error(`usage: npm run token -- --tenant <tenant> --role <${Role.options.join('|')}> --staff <staff-id> [--ttl seconds]\n${z.prettifyError(args.error)}`);
  process.exit(2);
}
const issuer = loadOrCreateIssuer(resolve(process.env.CRM_DATA_DIR ?? '.local'));
const token = issuer.mint({ tenantId: args.data.tenant, staffId: args.data.staff, role: args.data.role }, { ttlSeconds: args.data.ttl });
const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
console.log(token);
console.log(JSON.stringify({ issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE, claims }, null, 2));
