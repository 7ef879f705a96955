import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The local dead-letter files (`<dataDir>/dlq/*.jsonl`, one JSON document a line), written by the
 * local bus and the stream poller and rewritten by `npm run replay`.
 *
 * A replay removes lines by writing the whole file anew and renaming it over the old one (a crash
 * leaves either file, never a torn one). A line appended by another writer between that read and
 * the rename would land in the replaced file and be lost, so every append and every rewrite of a
 * file goes through one queue per path. That is enough: a file is only ever written by the one
 * process that holds the data directory (the running `npm start`, else the replay itself).
 */
const queues = new Map<string, Promise<unknown>>();

function serialised<T>(file: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  const run = previous.then(work, work);
  const settled = run.catch(() => undefined);
  queues.set(file, settled);
  void settled.then(() => {
    if (queues.get(file) === settled) queues.delete(file);
  });
  return run;
}

/** Appends whole lines (each without its newline), in one write. */
export function appendLines(file: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return Promise.resolve();
  return serialised(file, async () => {
    await mkdir(dirname(file), { recursive: true });
    const handle = await open(file, 'a');
    try {
      await handle.write(`${lines.join('\n')}\n`);
    } finally {
      await handle.close();
    }
  });
}

/** The file's lines, without empty ones; none when the file does not exist. */
export async function readLines(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text.split('\n').filter((line) => line.trim() !== '');
}

/**
 * Replaces the file with `change(current lines)`, atomically (temp file in the same directory,
 * flushed, renamed over it), queued behind any append in flight. A missing file counts as empty.
 */
export function rewriteLines(file: string, change: (lines: string[]) => string[]): Promise<void> {
  return serialised(file, async () => {
    const next = change(await readLines(file));
    await mkdir(dirname(file), { recursive: true });
    const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomUUID()}.tmp`);
    try {
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.write(next.length > 0 ? `${next.join('\n')}\n` : '');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  });
}

/**
 * Edits lines by identity, not position: each entry of `replace` maps one occurrence of an exact
 * line to what takes its place (`undefined` removes it). Lines appended since they were read, and
 * a second copy of the same text, are left alone.
 */
export function replaceOnce(lines: string[], replace: ReadonlyArray<readonly [line: string, by: string | undefined]>): string[] {
  const pending = new Map<string, (string | undefined)[]>();
  for (const [line, by] of replace) pending.set(line, [...(pending.get(line) ?? []), by]);
  const out: string[] = [];
  for (const line of lines) {
    const queue = pending.get(line);
    if (!queue || queue.length === 0) {
      out.push(line);
      continue;
    }
    const by = queue.shift();
    if (by !== undefined) out.push(by);
  }
  return out;
}
