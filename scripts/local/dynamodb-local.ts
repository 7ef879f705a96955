import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * DynamoDB Local, the official AWS emulator, from the jar that the npm package
 * amplify-dynamodb-simulator ships. One JVM per run: in memory for tests, a data dir for npm start.
 */
export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export class JavaMissingError extends Error {
  constructor() {
    super('Java 17+ is required to run DynamoDB Local: install it (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless) and try again.');
  }
}

export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new JavaMissingError();
  const major = /version "(\d+)/.exec(probe.stderr)?.[1];
  if (major && Number(major) < 17) throw new JavaMissingError();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function jarDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

export async function startDynamoDbLocal(opts: { dataDir?: string; port?: number } = {}): Promise<DynamoDbLocal> {
  assertJava();
  const port = opts.port ?? (await freePort());
  const dir = jarDir();
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const storage = opts.dataDir ? ['-dbPath', opts.dataDir] : ['-inMemory'];
  const child = spawn(
    'java',
    ['-Xmx512m', '-XX:+UseSerialGC', `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-jar', join(dir, 'DynamoDBLocal.jar'), '-port', String(port), '-sharedDb', ...storage],
    // cwd: DynamoDB Local drops a metadata file in its working directory, even in memory.
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.dataDir ?? tmpdir() },
  );
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`DynamoDB Local exited (${code}): ${output.slice(-2000)}`))));
  await Promise.race([waitForHttp(endpoint, 30_000), exited]);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  exited.catch(() => undefined);
  return { endpoint, port, process: child, stop };
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`DynamoDB Local did not answer on ${url} within ${timeoutMs} ms`);
}
