import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { webhookHeaders } from '../domain/webhooks/signing';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** `npm run webhook:listen` as the README runs it: a process, configured by its environment, printing what it receives. */
function listen(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/webhook-listen.ts'], { cwd: root, env: { ...process.env, PORT: '0', ...env } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const until = (re: RegExp) => new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const m = re.exec(out);
      if (m) return resolve(m);
      if (child.exitCode !== null) return reject(new Error(`webhook:listen exited: ${out}`));
      setTimeout(check, 20);
    };
    check();
  });
  return { child, until, output: () => out };
}

const post = (url: string, body: string, secret = SECRET) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...webhookHeaders({ id: 'msg_test1', timestamp: new Date(), body, secrets: [secret] }) }, body });

describe('npm run webhook:listen', () => {
  it('verifies each delivery with WEBHOOK_SECRET, prints its type, webhook-id, verdict and body, and answers 200', async () => {
    const l = listen({ WEBHOOK_SECRET: SECRET });
    try {
      const [, url] = await l.until(/Listening for webhooks on (http:\/\/127\.0\.0\.1:\d+\/) \(verifying with WEBHOOK_SECRET\)/);
      const body = JSON.stringify({ id: 'evt_1', type: 'opportunity.stage_changed', data: { previousStage: 'Lead', stage: 'Qualified' } });
      const res = await post(url!, body);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('received');
      await l.until(/"stage": "Qualified"/);
      expect(l.output()).toMatch(/POST \/ {2}opportunity\.stage_changed {2}webhook-id msg_test1 {2}verified {2}→ 200\n\{\n {2}"id": "evt_1",/);
      // Signed with another secret: shown, and said so.
      await post(url!, JSON.stringify({ type: 'client.created' }), 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD');
      await l.until(/client\.created {2}webhook-id msg_test1 {2}invalid signature/);
    } finally {
      l.child.kill();
    }
  });

  it('answers FAIL_WITH instead, to watch the retries', async () => {
    const l = listen({ FAIL_WITH: '503' });
    try {
      const [, url] = await l.until(/Listening for webhooks on (http:\/\/127\.0\.0\.1:\d+\/) — set WEBHOOK_SECRET to verify signatures, answering 503/);
      const res = await post(url!, JSON.stringify({ type: 'client.created' }));
      expect(res.status).toBe(503);
      await l.until(/client\.created {2}webhook-id msg_test1 {2}not verified \(no WEBHOOK_SECRET\) {2}→ 503/);
    } finally {
      l.child.kill();
    }
  });
});
