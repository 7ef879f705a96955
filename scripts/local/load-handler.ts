import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `handler` export of a function module named by its entry (relative to the repository root). */
export async function loadHandler<H>(entry: string): Promise<H> {
  const mod = (await import(pathToFileURL(join(root, entry)).href)) as { handler?: H };
  if (typeof mod.handler !== 'function') throw new Error(`${entry} does not export a handler function`);
  return mod.handler;
}
