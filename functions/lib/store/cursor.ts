import { createHmac, timingSafeEqual } from 'node:crypto';
import { badRequest } from '../http/errors';

/**
 * The keys that sign cursors: `current` signs, `current` and `previous` verify, so a key can be
 * rotated without invalidating the cursors clients hold (README, "Rotating the cursor key").
 */
export interface CursorKeys {
  current: string;
  previous?: string | undefined;
}

/** Where the keys come from: fixed (local stack, tests) or read on first use (Secrets Manager in AWS). */
export type CursorKeySource = CursorKeys | (() => Promise<CursorKeys>);

/** A container that sees a cursor no key of its own verifies reads the keys again, at most this often. */
const REFRESH_AFTER_MS = 60_000;

/**
 * Opaque, tamper-proof pagination cursors: the DynamoDB LastEvaluatedKey, bound to the tenant and
 * to the query it continues, signed with HMAC-SHA256. An edited or transplanted cursor is a 400.
 */
export class CursorCodec {
  private keys: Promise<CursorKeys> | undefined;
  private readAt = 0;

  constructor(
    private readonly source: CursorKeySource,
    private readonly now: () => number = Date.now,
  ) {}

  async encode(key: Record<string, unknown> | undefined, scope: string): Promise<string | undefined> {
    if (!key) return undefined;
    const payload = Buffer.from(JSON.stringify(key)).toString('base64url');
    const { current } = await this.read();
    return `${payload}.${sign(current, payload, scope).toString('base64url')}`;
  }

  async decode(cursor: string | undefined, scope: string): Promise<Record<string, unknown> | undefined> {
    if (cursor === undefined) return undefined;
    const [payload, mac, ...rest] = cursor.split('.');
    if (!payload || !mac || rest.length > 0) throw invalid();
    let verified = verifies(await this.read(), payload, mac, scope);
    // Signed with a key this container has not read yet (rotated since its cold start)? Read the
    // keys again — rarely, so a stream of forged cursors cannot turn into a stream of secret reads.
    if (!verified && typeof this.source === 'function' && this.now() - this.readAt >= REFRESH_AFTER_MS) {
      this.keys = undefined;
      verified = verifies(await this.read(), payload, mac, scope);
    }
    if (!verified) throw invalid();
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  }

  private read(): Promise<CursorKeys> {
    if (!this.keys) {
      const source = this.source;
      this.readAt = this.now();
      const reading = typeof source === 'function' ? source() : Promise.resolve(source);
      // A failed read is forgotten, so the next request tries again.
      reading.catch(() => this.keys === reading && (this.keys = undefined));
      this.keys = reading;
    }
    return this.keys;
  }
}

const invalid = () => badRequest('invalid_cursor', 'The cursor is not valid for this query.');

const sign = (secret: string, payload: string, scope: string): Buffer => createHmac('sha256', secret).update(`${scope}\n${payload}`).digest();

/** Bytes are compared, not characters: a cursor may hold any text, of any byte length. */
function verifies(keys: CursorKeys, payload: string, mac: string, scope: string): boolean {
  const given = Buffer.from(mac, 'utf8');
  return [keys.current, keys.previous].some((secret) => {
    if (!secret) return false;
    const expected = Buffer.from(sign(secret, payload, scope).toString('base64url'), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/**
 * The keys as Secrets Manager holds them: `{"current": "…", "previous": "…"}` (previous optional),
 * each at least 32 characters. Never echoes the secret in an error.
 */
export function parseCursorKeys(secretString: string | undefined, where: string): CursorKeys {
  let value: unknown;
  try {
    value = JSON.parse(secretString ?? '');
  } catch {
    throw new Error(`the cursor keys in ${where} are not JSON`);
  }
  const { current, previous } = (value ?? {}) as Record<string, unknown>;
  const ok = (k: unknown) => typeof k === 'string' && k.length >= 32;
  if (!ok(current) || (previous !== undefined && previous !== '' && !ok(previous))) {
    throw new Error(`the cursor keys in ${where} must be {"current", "previous"?}, each at least 32 characters`);
  }
  return { current: current as string, ...(ok(previous) && { previous: previous as string }) };
}
