import { createHmac, timingSafeEqual } from 'node:crypto';
import { badRequest } from '../http/errors';

/**
 * Opaque, tamper-proof pagination cursors: the DynamoDB LastEvaluatedKey, bound to the tenant and
 * to the query it continues, signed with HMAC-SHA256. An edited or transplanted cursor is a 400.
 */
export class CursorCodec {
  constructor(private readonly secret: string) {}

  encode(key: Record<string, unknown> | undefined, scope: string): string | undefined {
    if (!key) return undefined;
    const payload = Buffer.from(JSON.stringify(key)).toString('base64url');
    return `${payload}.${this.sign(payload, scope).toString('base64url')}`;
  }

  decode(cursor: string | undefined, scope: string): Record<string, unknown> | undefined {
    if (cursor === undefined) return undefined;
    const [payload, mac, ...rest] = cursor.split('.');
    // Bytes are compared, not characters: a cursor may hold any text, of any byte length.
    const given = mac ? Buffer.from(mac, 'utf8') : Buffer.alloc(0);
    const expected = payload ? Buffer.from(this.sign(payload, scope).toString('base64url'), 'utf8') : Buffer.alloc(0);
    if (!payload || rest.length > 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw badRequest('invalid_cursor', 'The cursor is not valid for this query.');
    }
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  }

  private sign(payload: string, scope: string): Buffer {
    return createHmac('sha256', this.secret).update(`${scope}\n${payload}`).digest();
  }
}
