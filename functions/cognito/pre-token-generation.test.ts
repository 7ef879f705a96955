import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { principalFromClaims } from '../lib/auth/verifier';
import { handler, tokenClaims } from './pre-token-generation';

type TriggerSource = PreTokenGenerationV2TriggerEvent['triggerSource'];

/** A V2_0 event as Cognito sends it for an email-username pool (the username is the sub). */
const event = (
  overrides: { triggerSource?: TriggerSource; userAttributes?: Record<string, string>; groups?: string[]; version?: string } = {},
): PreTokenGenerationV2TriggerEvent =>
  ({
    version: overrides.version ?? '2',
    triggerSource: overrides.triggerSource ?? 'TokenGeneration_Authentication',
    region: 'ap-south-1',
    userPoolId: 'ap-south-1_AbCdEf123',
    userName: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '1example23456789abcdefghij' },
    request: {
      userAttributes: overrides.userAttributes ?? {
        sub: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
        'cognito:user_status': 'CONFIRMED',
        email_verified: 'true',
        email: 'asha.nair@example.com',
        name: 'Asha Nair',
        'custom:tenant_id': 'demo',
        'custom:staff_id': 'tse-3',
      },
      groupConfiguration: { groupsToOverride: overrides.groups ?? ['tse'], iamRolesToOverride: [], preferredRole: undefined },
      scopes: ['aws.cognito.signin.user.admin'],
    },
    // What Cognito sends before any trigger has answered.
    response: { claimsAndScopeOverrideDetails: null },
  }) as unknown as PreTokenGenerationV2TriggerEvent;

const withAttributes = (changes: Record<string, string | undefined>) => {
  const base = event().request.userAttributes;
  return event({ userAttributes: Object.fromEntries(Object.entries({ ...base, ...changes }).filter(([, v]) => v !== undefined)) as Record<string, string> });
};

describe('pre-token-generation trigger (V2_0)', () => {
  it.each<TriggerSource>([
    'TokenGeneration_Authentication',
    'TokenGeneration_RefreshTokens',
    'TokenGeneration_NewPasswordChallenge',
    'TokenGeneration_AuthenticateDevice',
    'TokenGeneration_HostedAuth',
  ])('adds tenant_id and staff_id to the access token only, leaving groups alone (%s)', async (triggerSource) => {
    const answered = await handler(event({ triggerSource }));

    expect(answered.response).toEqual({
      claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: { tenant_id: 'demo', staff_id: 'tse-3' } } },
    });
    expect(answered.request.groupConfiguration.groupsToOverride).toEqual(['tse']);
  });

  it('produces exactly the claims the API verifier turns into a principal', async () => {
    const answered = await handler(event({ groups: ['manager'] }));
    // The access token Cognito would issue: its own claims plus the override; groups unchanged.
    const accessToken = {
      sub: answered.request.userAttributes.sub,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      iat: 1_796_000_000,
      exp: 1_796_003_600,
      'cognito:groups': answered.request.groupConfiguration.groupsToOverride,
      ...answered.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride,
    };
    expect(principalFromClaims(accessToken, new Date(1_796_000_100_000))).toEqual({ tenantId: 'demo', staffId: 'tse-3', role: 'manager' });
  });

  it.each([
    ['no tenant', { 'custom:tenant_id': undefined }],
    ['no staff id', { 'custom:staff_id': undefined }],
    ['neither', { 'custom:tenant_id': undefined, 'custom:staff_id': undefined }],
    ['an empty tenant', { 'custom:tenant_id': '' }],
    ['an upper-case tenant', { 'custom:tenant_id': 'Demo' }],
    ['a tenant with a key separator', { 'custom:tenant_id': 'demo#acme' }],
    ['a staff id starting with a dash', { 'custom:staff_id': '-tse' }],
    ['a staff id longer than 63 characters', { 'custom:staff_id': 'a'.repeat(64) }],
  ])('refuses to issue tokens for an account with %s', async (_, changes) => {
    await expect(handler(withAttributes(changes))).rejects.toThrow('This account is not set up for sign-in. Ask your administrator.');
  });

  it('refuses a V1_0 event, whose response could not carry access-token claims', async () => {
    await expect(handler(event({ version: '1' }))).rejects.toThrow(/not set up for sign-in/);
  });
});

describe('admins’ second factor (#11 item 5)', () => {
  const lookups: [string, string][] = [];
  const withTotp = (on: boolean) =>
    tokenClaims(async (pool, user) => {
      lookups.push([pool, user]);
      return on;
    });

  it.each([
    ['tenant_admin', true, 'totp'],
    ['tenant_admin', false, 'none'],
    ['platform_admin', true, 'totp'],
  ] as const)('marks a %s’s access token with whether the account signs in with TOTP (on: %s → %s)', async (role, on, mfa) => {
    lookups.length = 0;
    const answered = await withTotp(on)(event({ groups: [role] }));
    expect(answered.response).toEqual({
      claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: { tenant_id: 'demo', staff_id: 'tse-3', mfa } } },
    });
    expect(lookups).toEqual([['ap-south-1_AbCdEf123', '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b']]);
    // What the API makes of it: an admin is served only with "totp".
    const claims = { token_use: 'access', tenant_id: 'demo', staff_id: 'tse-3', 'cognito:groups': [role], exp: Math.floor(Date.now() / 1000) + 3600, mfa };
    if (mfa === 'totp') expect(principalFromClaims(claims)).toEqual({ tenantId: 'demo', staffId: 'tse-3', role });
    else expect(() => principalFromClaims(claims)).toThrow(expect.objectContaining({ kind: 'forbidden', code: 'mfa_required' }));
  });

  it('asks Cognito nothing for other roles, and adds no mfa claim', async () => {
    lookups.length = 0;
    const answered = await withTotp(true)(event({ groups: ['manager'] }));
    expect(answered.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.claimsToAddOrOverride).toEqual({ tenant_id: 'demo', staff_id: 'tse-3' });
    expect(lookups).toEqual([]);
  });

  it('refuses an admin without tenant attributes before asking Cognito anything', async () => {
    lookups.length = 0;
    const bad = event({ groups: ['tenant_admin'], userAttributes: { sub: 'x', email: 'a@example.com' } });
    await expect(withTotp(true)(bad)).rejects.toThrow('This account is not set up for sign-in. Ask your administrator.');
    expect(lookups).toEqual([]);
  });

  it('refuses an admin token without the claim, or with "none", whoever signed it', () => {
    const base = { token_use: 'access', tenant_id: 'demo', staff_id: 'admin', 'cognito:groups': ['tenant_admin'], exp: Math.floor(Date.now() / 1000) + 3600 };
    expect(() => principalFromClaims(base)).toThrow(expect.objectContaining({ code: 'mfa_required' }));
    expect(() => principalFromClaims({ ...base, mfa: 'sms' })).toThrow(expect.objectContaining({ code: 'invalid_claims' }));
    expect(principalFromClaims({ ...base, 'cognito:groups': ['manager'] })).toEqual({ tenantId: 'demo', staffId: 'admin', role: 'manager' });
  });
});
