import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The running local stack's control channel. chDB lets one process hold a data directory, so a
 * command that needs the stack's engines (a backfill, a replay, a job) asks the `npm start`
 * process to run it — over loopback, with a token only readable by this user — and runs on its own
 * engines when no stack is running.
 *
 *   <dataDir>/stack.json   {pid, url, token} while `npm start` runs (mode 600)
 *   POST {url}/__local/<command>   authorization: Bearer <token>   body: the command's arguments
 */
export type ControlCommand = (args: Record<string, unknown>) => Promise<unknown>;

export interface Control {
  token: string;
  commands: Map<string, ControlCommand>;
}

export const CONTROL_PREFIX = '/__local/';

export function newControl(): Control {
  return { token: randomBytes(32).toString('base64url'), commands: new Map() };
}

export const stackFile = (dataDir: string) => join(dataDir, 'stack.json');

export function publishStack(dataDir: string, url: string, control: Control): () => void {
  writeFileSync(stackFile(dataDir), JSON.stringify({ pid: process.pid, url, token: control.token }), { mode: 0o600 });
  return () => rmSync(stackFile(dataDir), { force: true });
}

export const authorised = (control: Control, authorization: string | undefined) => {
  const given = Buffer.from(authorization ?? '');
  const expected = Buffer.from(`Bearer ${control.token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Runs `command` in the `npm start` process of `dataDir` when one is running (its answer is
 * returned), else in this process through `locally`.
 */
export async function runOnStack<T>(dataDir: string, command: string, args: Record<string, unknown>, locally: () => Promise<T>): Promise<{ where: 'running stack' | 'this process'; result: T }> {
  const file = stackFile(dataDir);
  if (existsSync(file)) {
    const { pid, url, token } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; url: string; token: string };
    if (alive(pid)) {
      const res = await fetch(`${url}${CONTROL_PREFIX}${command}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(args) });
      const body = (await res.json()) as T & { detail?: string };
      if (!res.ok) throw new Error(`the running stack refused ${command}: ${res.status} ${body.detail ?? JSON.stringify(body)}`);
      return { where: 'running stack', result: body };
    }
    rmSync(file, { force: true });
  }
  return { where: 'this process', result: await locally() };
}
