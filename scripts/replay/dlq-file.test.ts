import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendLines, readLines, replaceOnce, rewriteLines } from './dlq-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dlq-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('dead-letter files', () => {
  it('reads no lines from a file that does not exist, and skips blank lines', async () => {
    expect(await readLines(join(dir, 'none.jsonl'))).toEqual([]);
    writeFileSync(join(dir, 'a.jsonl'), '{"a":1}\n\n{"b":2}\n');
    expect(await readLines(join(dir, 'a.jsonl'))).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('rewrites through a temp file and a rename, leaving no temp file behind', async () => {
    const file = join(dir, 'x.jsonl');
    await appendLines(file, ['1', '2', '3']);
    await rewriteLines(file, (lines) => lines.filter((l) => l !== '2'));
    expect(readFileSync(file, 'utf8')).toBe('1\n3\n');
    await rewriteLines(file, () => []);
    expect(readFileSync(file, 'utf8')).toBe('');
    expect(readdirSync(dir)).toEqual(['x.jsonl']);
  });

  it('loses no line appended while a rewrite is under way', async () => {
    const file = join(dir, 'busy.jsonl');
    await appendLines(file, ['old']);
    const appends: Promise<void>[] = [];
    const rewriting = rewriteLines(file, (lines) => {
      // Writers arriving now wait for the rename instead of writing into the replaced file.
      for (let i = 0; i < 20; i++) appends.push(appendLines(file, [`new ${i}`]));
      return lines.filter((l) => l !== 'old');
    });
    await rewriting;
    expect(appends).toHaveLength(20);
    await Promise.all(appends);
    expect(await readLines(file)).toEqual(Array.from({ length: 20 }, (_, i) => `new ${i}`));
  });

  it('replaces or removes one occurrence per entry, by exact text, keeping the rest in order', () => {
    const lines = ['a', 'b', 'a', 'c', 'd'];
    expect(replaceOnce(lines, [['a', undefined]])).toEqual(['b', 'a', 'c', 'd']);
    expect(replaceOnce(lines, [['a', undefined], ['a', undefined], ['c', 'C']])).toEqual(['b', 'C', 'd']);
    expect(replaceOnce(lines, [['gone already', undefined]])).toEqual(lines);
  });
});
