import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../../domain/errors';

/**
 * Opaque, tamper-proof pagination cursors: the DynamoDB LastEvaluatedKey, bound to the tenant and
 * to the query it continues, signed with HMAC-SHA256. An edited or transplanted cursor is a 400.
 */
export class CursorCodec {
  constructor(private readonly secret: string) {}

  encode(key: Record<string, unknown> | undefined, scope: string): string | undefined {
    if (!key) return undefined;
    const payload = Buffer.from(JSON.stringify(key)).toString('base64url');
    return `${payload}.${this.sign(payload, scope)}`;
  }

  decode(cursor: string | undefined, scope: string): Record<string, unknown> | undefined {
    if (cursor === undefined) return undefined;
    const [payload, mac] = cursor.split('.');
    const expected = payload ? this.sign(payload, scope) : '';
    if (!payload || !mac || mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) {
      throw new DomainError('bad_request', 'invalid_cursor', 'The cursor is not valid for this query.');
    }
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  }

  private sign(payload: string, scope: string) {
    return createHmac('sha256', this.secret).update(`${scope}\n${payload}`).digest('base64url');
  }
}
