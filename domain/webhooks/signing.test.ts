import fc from 'fast-check';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyStandard } from '../integrations/signatures';
import { newWebhookSecret, rotateWebhookSecret, signingSecrets, webhookHeaders, webhookMessageId } from './signing';

// The Standard Webhooks specification's own example (its reference libraries test with it).
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SPEC = { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: new Date(1614265330 * 1000), body: '{"test": 2432232314}' };
// Bytes 0x20…0x3f; its signature of the example worked out with `openssl dgst -sha256 -mac HMAC`.
const NEW_SECRET = 'whsec_ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=';

/** The reference implementation (npm `standardwebhooks`): throws unless one signature is valid for the secret. */
const verifiedBy = (secret: string, body: string, headers: Record<string, string>) => new StandardWebhook(secret).verify(body, headers);

describe('Standard Webhooks signing', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: SPEC.timestamp, toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('signs the specification example exactly as the specification does', () => {
    expect(webhookHeaders({ ...SPEC, secrets: [SPEC_SECRET] })).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('during a rotation signs with the new secret first, then the old one; both verify', () => {
    const headers = webhookHeaders({ ...SPEC, secrets: [NEW_SECRET, SPEC_SECRET] });
    expect(headers['webhook-signature']).toBe('v1,lIQ9xamNNsnjTnLcKevQF9eZA6DgFnOi9+/I3EzeZGQ= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(verifiedBy(NEW_SECRET, SPEC.body, { ...headers })).toEqual({ test: 2432232314 });
    expect(verifiedBy(SPEC_SECRET, SPEC.body, { ...headers })).toEqual({ test: 2432232314 });
    expect(() => verifiedBy(newWebhookSecret(new Uint8Array(32).fill(7)), SPEC.body, { ...headers })).toThrow('No matching signature found');
  });

  it('the timestamp is the attempt’s own, in whole seconds; a receiver refuses a stale one', () => {
    const headers = webhookHeaders({ ...SPEC, timestamp: new Date(1614265330_999), secrets: [SPEC_SECRET] });
    expect(headers['webhook-timestamp']).toBe('1614265330');
    const late = webhookHeaders({ ...SPEC, timestamp: new Date((1614265330 - 6 * 60) * 1000), secrets: [SPEC_SECRET] });
    expect(() => verifiedBy(SPEC_SECRET, SPEC.body, { ...late })).toThrow('Message timestamp too old');
  });

  it('property: every body, id and pair of secrets verifies with the reference implementation, for each secret, and with ours', () => {
    const secret = fc.uint8Array({ minLength: 24, maxLength: 32 }).map(newWebhookSecret);
    const id = fc.stringMatching(/^msg_[A-Za-z0-9_-]{1,40}$/);
    fc.assert(
      fc.property(id, fc.string({ unit: 'grapheme', maxLength: 300 }), secret, secret, (msgId, text, current, previous) => {
        const body = JSON.stringify({ text });
        const headers = webhookHeaders({ id: msgId, timestamp: SPEC.timestamp, body, secrets: [current, previous] });
        expect(verifiedBy(current, body, { ...headers })).toEqual({ text });
        expect(verifiedBy(previous, body, { ...headers })).toEqual({ text });
        expect(verifyStandard({ ...headers }, Buffer.from(body), [previous], SPEC.timestamp)).toEqual({ ok: true });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses to sign with no secret, a secret that is not whsec_ base64, or an id with spaces', () => {
    expect(() => webhookHeaders({ ...SPEC, secrets: [] })).toThrow('a webhook is signed with at least one secret');
    expect(() => webhookHeaders({ ...SPEC, secrets: ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] })).toThrow('a webhook secret is whsec_ and base64');
    expect(() => webhookHeaders({ ...SPEC, id: 'msg 1', secrets: [SPEC_SECRET] })).toThrow('a webhook-id is a non-empty token');
    expect(() => webhookHeaders({ ...SPEC, id: '', secrets: [SPEC_SECRET] })).toThrow('a webhook-id is a non-empty token');
  });
});

describe('webhook secrets', () => {
  it('are whsec_ and the base64 of 24 to 32 random bytes', () => {
    expect(newWebhookSecret(Uint8Array.from({ length: 24 }, (_, i) => i))).toBe('whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX');
    expect(newWebhookSecret(Uint8Array.from({ length: 32 }, (_, i) => i + 32))).toBe(NEW_SECRET);
    expect(() => newWebhookSecret(new Uint8Array(23))).toThrow('a webhook secret takes 24 to 32 random bytes, not 23');
    expect(() => newWebhookSecret(new Uint8Array(33))).toThrow('a webhook secret takes 24 to 32 random bytes, not 33');
  });

  it('a rotation keeps the old one signing for 24 hours, then only the new one signs', () => {
    const rotated = rotateWebhookSecret({ current: SPEC_SECRET }, NEW_SECRET, new Date('2026-12-01T10:00:00.000Z'));
    expect(rotated).toEqual({ current: NEW_SECRET, previous: SPEC_SECRET, previousExpiresAt: '2026-12-02T10:00:00.000Z' });
    expect(signingSecrets(rotated, new Date('2026-12-02T09:59:59.999Z'))).toEqual([NEW_SECRET, SPEC_SECRET]);
    expect(signingSecrets(rotated, new Date('2026-12-02T10:00:00.000Z'))).toEqual([NEW_SECRET]);
    expect(signingSecrets({ current: SPEC_SECRET }, new Date('2026-12-02T10:00:00.000Z'))).toEqual([SPEC_SECRET]);
    // rotating again within the overlap: the oldest stops at once
    const again = rotateWebhookSecret(rotated, 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX', new Date('2026-12-01T12:00:00.000Z'));
    expect(again).toEqual({ current: 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX', previous: NEW_SECRET, previousExpiresAt: '2026-12-02T12:00:00.000Z' });
  });
});

describe('the webhook-id', () => {
  it('is fixed by the subscription and the event, so every attempt and redelivery carries the same one', () => {
    // sha256("wh_1\nh00000019:opportunity.stage_changed"), base64url, 27 characters (worked out with openssl)
    expect(webhookMessageId('wh_1', 'h00000019:opportunity.stage_changed')).toBe('msg_9y09FgDcAvnapnyKLueerLU5pyt');
    expect(webhookMessageId('wh_2', 'h00000019:opportunity.stage_changed')).not.toBe('msg_9y09FgDcAvnapnyKLueerLU5pyt');
    fc.assert(
      fc.property(fc.string(), fc.string(), (w, e) => {
        expect(webhookMessageId(w, e)).toMatch(/^msg_[A-Za-z0-9_-]{27}$/);
      }),
    );
  });
});
