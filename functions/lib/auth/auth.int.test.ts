import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, signJwt } from '../../../scripts/local/issuer';
import { useLocalStack } from '../../../test/stack';

const api = useLocalStack();
const path = '/v1/clients/c_01jzzzzzzzzzzzzzzzzzzzzzzz';
const now = () => Math.floor(Date.now() / 1000);

/** Claims as the local issuer makes them, with overrides. */
const claims = (overrides: Record<string, unknown> = {}) => ({
  iss: LOCAL_ISSUER,
  aud: LOCAL_AUDIENCE,
  sub: 'demo:tse-1',
  token_use: 'access',
  tenant_id: 'demo',
  staff_id: 'tse-1',
  'cognito:groups': ['tse'],
  iat: now(),
  exp: now() + 600,
  ...overrides,
});
const sign = (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  signJwt({ alg: 'RS256', typ: 'JWT', kid: api.stack().issuer.kid, ...header }, payload, api.stack().issuer.privateKey);

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('bearer JWT verification', () => {
  it('accepts a token signed by the issuer with every claim (the id is simply unknown: 404)', async () => {
    const res = await api.withToken(sign(claims())).get(path);
    expect(res.status).toBe(404);
  });

  const rejected: [string, () => string][] = [
    ['expired', () => sign(claims({ iat: now() - 7200, exp: now() - 3600 }))],
    ['wrong issuer', () => sign(claims({ iss: 'urn:someone-else' }))],
    ['wrong audience', () => sign(claims({ aud: 'another-app' }))],
    ['an id token instead of an access token', () => sign(claims({ token_use: 'id' }))],
    ['a tampered payload', () => {
      const [h, , s] = sign(claims()).split('.');
      return `${h}.${b64(claims({ tenant_id: 'acme' }))}.${s}`;
    }],
    ['a signature by another key', () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      return signJwt({ alg: 'RS256', typ: 'JWT', kid: api.stack().issuer.kid }, claims(), privateKey);
    }],
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT', kid: api.stack().issuer.kid })}.${b64(claims())}.`],
    ['an unknown kid', () => sign(claims(), { kid: 'not-our-key' })],
    ['no tenant claim', () => sign(claims({ tenant_id: undefined }))],
    ['no staff claim', () => sign(claims({ staff_id: undefined }))],
    ['no role group', () => sign(claims({ 'cognito:groups': [] }))],
    ['an unknown role', () => sign(claims({ 'cognito:groups': ['superuser'] }))],
    ['a tenant id that is not a slug', () => sign(claims({ tenant_id: 'demo#C#x' }))],
    ['garbage', () => 'not.a.jwt'],
  ];

  it.each(rejected)('answers 401 problem+json to %s', async (_, token) => {
    const res = await api.withToken(token()).get(path);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(['invalid_token', 'invalid_claims']).toContain(res.body.code);
  });

  it('answers 401 when there is no bearer token at all', async () => {
    const res = await api.anonymous().get(path);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('missing_token');
    const basic = await api.anonymous().get(path, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(basic.status).toBe(401);
  });

  it('refuses before parsing: an unauthenticated malformed body is a 401, not a 400', async () => {
    const res = await api.anonymous().post('/v1/clients', '{oops', { 'content-type': 'application/json' });
    expect(res.status).toBe(401);
  });

  it('serves /health without a token', async () => {
    const res = await api.anonymous().get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});
