import { resolve } from 'node:path';
import { getServices } from '../../functions/lib/services';
import { inboxAddress } from '../../domain/messages/inbox';
import { demoStaff, demoTenants, seedDemo } from '../seed';
import { seedHistory } from '../seed-history';
import { seedIntegrations } from '../seed-integrations';
import { JavaMissingError } from './dynamodb-local';
import { startLocalStack } from './stack';

/**
 * `npm start`: the whole product on real engines, data under .local/, demo data seeded on an
 * empty store, a ready-to-use token printed for every demo staff member. Ctrl-C stops everything.
 */
const dataDir = resolve(process.env.CRM_DATA_DIR ?? '.local');
const port = Number(process.env.PORT ?? 3000);
const smtpPort = Number(process.env.SMTP_PORT ?? 2525);

let stack;
try {
  stack = await startLocalStack({ dataDir, port, smtpPort });
} catch (error) {
  if (error instanceof JavaMissingError) {
    console.error(error.message);
    process.exit(1);
  }
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    const taken = (error as { port?: number }).port ?? port;
    console.error(`Port ${taken} is in use: stop what holds it or run ${taken === smtpPort ? 'SMTP_PORT=2526' : 'PORT=3001'} npm start.`);
    process.exit(1);
  }
  throw error;
}

const seeded = await seedDemo(getServices(), new Date());
// A new demo tenant gets four weeks of history, so the first dashboard shows real figures.
const history = seeded.includes('demo') ? await seedHistory(getServices(), { tenantId: 'demo', weeks: 4, now: new Date() }) : undefined;
// And its lead sources: assignment rules, a web form, a generic ERP connection (its secret shown this once).
const integrations = seeded.includes('demo') ? await seedIntegrations(getServices(), 'demo', new Date()) : undefined;
const tokenLines = demoTenants.flatMap((t) =>
  demoStaff.map((s) => `  ${t.tenantId.padEnd(5)} ${s.staffId.padEnd(8)} ${s.role.padEnd(13)} ${stack.issuer.mint({ tenantId: t.tenantId, staffId: s.staffId, role: s.role })}`),
);
console.log(
  [
    '',
    `CRM API listening on ${stack.url}   (data in ${dataDir}${seeded.length ? `; seeded demo tenants: ${seeded.join(', ')}` : '; demo data reused'})`,
    ...(history
      ? [`  demo history ${history.from} … ${history.to}: ${history.clients} clients, ${history.opportunities} opportunities, ${history.events} follow-ups (${history.missed} missed), ${history.won} won, ${history.lost} lost`]
      : []),
    `  health:  curl ${stack.url}/health`,
    `  JWKS:    ${stack.url}/.well-known/jwks.json`,
    '',
    'Bearer tokens (valid 12 h; mint more with `npm run token -- --tenant demo --role tse --staff tse-1`):',
    '  tenant staff    role          token',
    ...tokenLines,
    '',
    ...(integrations
      ? [
          'Integrations (tenant demo; GET /v1/integrations as admin lists them, with their delivery logs):',
          `  web form:  curl -s -X POST ${integrations.formUrl} -H 'origin: http://localhost:5173' -H 'content-type: application/json' \\`,
          `               -d '{"ownerName":"Lekha","mobile":"9860000001","city":"Kochi","message":"Need a website"}'`,
          `             → a client, a Lead opportunity for Website assigned round robin, a first-response call due in 15 minutes`,
          `  ERP hook:  ${integrations.webhookUrl}`,
          `             Standard Webhooks secret (shown once): ${integrations.secret}`,
          '',
        ]
      : []),
    `Inbound email: SMTP on ${stack.smtp.host}:${stack.smtp.port} (no TLS, no auth). Mail to a thread's Reply-To joins its thread; mail`,
    `  Bcc'd or forwarded to ${inboxAddress('demo', stack.smtp.replyDomain)} (tenant demo's inbox) is matched by In-Reply-To, then the sender's email,`,
    `  else waits in GET /v1/inbox. Try: printf 'From: someone@example.com\\r\\nSubject: Hello\\r\\n\\r\\nHi\\r\\n' | curl -s --url smtp://${stack.smtp.host}:${stack.smtp.port} --mail-from someone@example.com --mail-rcpt ${inboxAddress('demo', stack.smtp.replyDomain)} -T -`,
    '',
    'Example:',
    `  TOKEN=<a token above>; curl -s -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
    `    -d '{"companyName":"Sree Jewellers","ownerName":"Anil","mobile":"9847012345"}' ${stack.url}/v1/clients`,
    '',
    'Ctrl-C stops everything.',
  ].join('\n'),
);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
