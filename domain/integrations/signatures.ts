import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Inbound signature schemes (DESIGN §8, §9), each as its provider documents it, all over the raw
 * bytes of the body before anything parses them, every comparison constant-time. Pure: the keys
 * and the clock are arguments.
 */

/** DESIGN §8: a signed timestamp more than 5 minutes from now is a replay (or a broken clock) and refused. */
export const TOLERANCE_SECONDS = 5 * 60;

export type Verdict = { ok: true } | { ok: false; reason: 'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'malformed_signature' };
const ok: Verdict = { ok: true };
const no = (reason: Exclude<Verdict, { ok: true }>['reason']): Verdict => ({ ok: false, reason });

/**
 * Base64 as a signature must be written: the canonical encoding of exactly 32 bytes (an
 * HMAC-SHA256). Node's decoder skips what it does not know, so `<sig>!!!` or base64url would
 * otherwise decode to the same bytes and pass: one valid signature, many accepted spellings.
 */
const B64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;
const strictBase64 = (s: string): Buffer | undefined => (B64_SHA256.test(s) ? Buffer.from(s, 'base64') : undefined);

/** Equal bytes, in time that depends on the length alone. */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const hmac = (key: Buffer | string, ...parts: (Buffer | string)[]) => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
};

// ── Standard Webhooks (generic, sap, tally; and our own outbound webhooks) ─────────────────────

/** A Standard Webhooks secret: `whsec_` and base64 of the key bytes. */
export const standardSecretKey = (secret: string) => Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');

/** `v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the secret's key bytes. */
export function standardSignature(secret: string, id: string, timestamp: number, body: Buffer | string): string {
  return `v1,${hmac(standardSecretKey(secret), `${id}.${timestamp}.`, body).toString('base64')}`;
}

/**
 * The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers of the Standard Webhooks
 * specification: the signature header may list several space-separated `v1,…` signatures (a
 * sender signing with an old and a new secret); any one matching any of our secrets (the current
 * one, and the previous one during a rotation's overlap) is enough.
 */
export function verifyStandard(headers: Record<string, string | undefined>, body: Buffer, secrets: readonly string[], now: Date): Verdict {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (!id || !timestamp || !signature) return no('missing_signature');
  if (!/^\d{1,12}$/.test(timestamp)) return no('malformed_signature');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return no('stale_timestamp');
  const offered = signature
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => strictBase64(s.slice(3)))
    .filter((b): b is Buffer => b !== undefined);
  if (offered.length === 0) return no('malformed_signature');
  for (const secret of secrets) {
    const expected = hmac(standardSecretKey(secret), `${id}.${timestamp}.`, body);
    if (offered.some((o) => safeEqual(o, expected))) return ok;
  }
  return no('bad_signature');
}

// ── QuickBooks Online: intuit-signature ────────────────────────────────────────────────────────

/** Base64 HMAC-SHA256 of the body, keyed with the app's webhook verifier token (Intuit's docs: "Validating the notification"). */
export const intuitSignature = (verifierToken: string, body: Buffer | string) => hmac(verifierToken, body).toString('base64');

export function verifyIntuit(headers: Record<string, string | undefined>, body: Buffer, verifierTokens: readonly string[]): Verdict {
  const signature = headers['intuit-signature'];
  if (!signature) return no('missing_signature');
  const offered = strictBase64(signature.trim());
  if (!offered) return no('malformed_signature');
  return verifierTokens.some((t) => safeEqual(offered, hmac(t, body))) ? ok : no('bad_signature');
}

// ── Meta (Facebook Lead Ads, WhatsApp): X-Hub-Signature-256 ───────────────────────────────────

/** `sha256=` and the hex HMAC-SHA256 of the body with the app secret. */
export const metaSignature = (appSecret: string, body: Buffer | string) => `sha256=${hmac(appSecret, body).toString('hex')}`;

export function verifyMeta(headers: Record<string, string | undefined>, body: Buffer, appSecrets: readonly string[]): Verdict {
  const signature = headers['x-hub-signature-256'];
  if (!signature) return no('missing_signature');
  const hex = /^sha256=([0-9a-f]{64})$/i.exec(signature.trim());
  if (!hex) return no('malformed_signature');
  const offered = Buffer.from(hex[1]!.toLowerCase(), 'hex');
  return appSecrets.some((s) => safeEqual(offered, hmac(s, body))) ? ok : no('bad_signature');
}

/** The `hub.challenge` GET handshake: the challenge echoed back when the mode is `subscribe` and the verify token is the connection's. */
export function metaHandshake(query: Record<string, string | undefined>, verifyTokens: readonly string[]): string | undefined {
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (query['hub.mode'] !== 'subscribe' || !token || !challenge || challenge.length > 256) return undefined;
  return verifyTokens.some((t) => safeEqual(Buffer.from(token), Buffer.from(t))) ? challenge : undefined;
}

// ── Zoho: X-Zoho-Webhook-Signature, or the connection's secret header ─────────────────────────

/** `t=<ms>,v=<hex HMAC-SHA256 of "t.body">` with the webhook's signing key (Zoho's "Verifying Webhooks"). */
export const zohoSignature = (signingKey: string, t: number, body: Buffer | string) => `t=${t},v=${hmac(signingKey, `${t}.`, body).toString('hex')}`;

/** The header a connection's secret travels in when a Zoho webhook is not signed (Zoho Books webhooks take custom headers). */
export const SECRET_HEADER = 'x-crm-webhook-secret';

export function verifyZoho(headers: Record<string, string | undefined>, body: Buffer, keys: { signingKeys: readonly string[]; secrets: readonly string[] }, now: Date): Verdict {
  const signature = headers['x-zoho-webhook-signature'];
  if (signature) {
    const parts = Object.fromEntries(signature.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
    if (!parts.t || !parts.v || !/^\d{1,15}$/.test(parts.t) || !/^[0-9a-f]{64}$/i.test(parts.v)) return no('malformed_signature');
    if (Math.abs(now.getTime() - Number(parts.t)) > TOLERANCE_SECONDS * 1000) return no('stale_timestamp');
    const offered = Buffer.from(parts.v.toLowerCase(), 'hex');
    return keys.signingKeys.some((k) => safeEqual(offered, hmac(k, `${parts.t}.`, body))) ? ok : no('bad_signature');
  }
  const secret = headers[SECRET_HEADER];
  if (!secret) return no('missing_signature');
  // Same-length digests compared, so the time tells nothing about the secret's length either.
  const offered = hmac('secret-header', secret);
  return keys.secrets.some((s) => safeEqual(offered, hmac('secret-header', s))) ? ok : no('bad_signature');
}
