import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChdb } from '../../functions/lib/analytics/analytics.chdb';
import type { DeadLetter } from '../local/local-bus';

/**
 * `npm run replay` with no `npm start` running: the command starts the engines of the data
 * directory itself (DynamoDB Local and chDB over it, and a local bus), replays, and stops them.
 */
const root = join(import.meta.dirname, '../..');
const fixture = readFileSync(join(root, 'events/fixtures/event.completed.v1.json'), 'utf8');
const activityId = `${JSON.parse(fixture).detail.data.event.id}:completed`;

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'replay-alone-'));
  mkdirSync(join(dataDir, 'dlq'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function replayCommand(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/replay.ts', ...args], { cwd: root, env: { ...process.env, CRM_DATA_DIR: dataDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('replay without a running stack', () => {
  it('lists without starting anything, then replays on engines of its own: the fact row is in chDB and the file empty', async () => {
    const file = join(dataDir, 'dlq', 'analytics-loader.jsonl');
    const letter: DeadLetter = { rule: 'analytics-loader', failedAt: '2026-12-01T09:00:00.000Z', receiveCount: 5, reason: 'Error: Table default.activities does not exist (received 5 times)', messageId: '5b0c3c0e-0000-4000-8000-000000000001', body: JSON.stringify(JSON.parse(fixture)) };
    writeFileSync(file, `${JSON.stringify(letter)}\nnot a dead letter\n`);

    const dry = await replayCommand('analytics-loader', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`analytics-loader: 1 dead letter in ${file} (this process); dry run: nothing replayed, nothing changed`);
    expect(dry.stdout).toContain('unreadable line 2: not JSON (left as it is)');

    const run = await replayCommand('analytics-loader');
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`analytics-loader: 1 dead letter in ${file} (this process); 1 replayed`);
    // The line that is no dead letter is neither replayed nor dropped: the command says so and exits 1.
    expect(run.code).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('not a dead letter\n');

    const chdb = openChdb(join(dataDir, 'chdb'));
    try {
      expect(await chdb.query('SELECT activity_id, kind FROM activities')).toEqual([{ activity_id: activityId, kind: 'completed' }]);
    } finally {
      await chdb.close();
    }
  }, 120_000);
});
