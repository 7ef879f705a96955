import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openChdb } from './analytics.chdb';
import { describeAnalyticsAdapter } from './port.contract';

const dir = mkdtempSync(join(tmpdir(), 'chdb-port-'));

it('shares one session per process and refuses a second data directory', () => {
  expect(openChdb(dir)).toBe(openChdb(dir));
  expect(() => openChdb(join(dir, 'other'))).toThrow(/one data directory per process/);
});

describeAnalyticsAdapter('chDB', async () => openChdb(dir), () => rmSync(dir, { recursive: true, force: true }));
