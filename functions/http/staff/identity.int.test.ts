import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../domain/access/roles';
import { useLocalStack } from '../../../test/stack';
import { CognitoIdentityProvider } from '../../lib/identity/identity-provider';
import type { IdentityProvider } from '../../lib/identity/identity-provider';

/**
 * The staff routes over the Cognito identity provider (its SDK mocked), on the local stack: the
 * account's own username is kept on the staff record and deactivation finds the account by it
 * (#11 item 5); an account that is gone fails the deactivation and changes nothing.
 */
const api = useLocalStack();
const admin: Principal = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' };
const POOL = 'ap-south-1_TestPool1';
const cognito = mockClient(CognitoIdentityProviderClient);
let local: IdentityProvider;

const accountOf = (username: string, staffId: string) => ({
  $metadata: {},
  Username: username,
  Enabled: true,
  UserAttributes: [
    { Name: 'email', Value: `${staffId}@demo.example` },
    { Name: 'custom:tenant_id', Value: 'demo' },
    { Name: 'custom:staff_id', Value: staffId },
  ],
});

beforeAll(async () => {
  const { getServices } = await import('../../lib/services');
  local = getServices().identity;
  getServices().identity = new CognitoIdentityProvider(POOL, new CognitoIdentityProviderClient({ region: 'ap-south-1' }));
});
afterAll(async () => {
  const { getServices } = await import('../../lib/services');
  getServices().identity = local;
  cognito.restore();
});

describe('staff sign-in accounts (Cognito)', () => {
  it('keeps the account’s username on the staff record, and disables the account by it', async () => {
    cognito.reset();
    cognito.on(AdminCreateUserCommand).resolves({ User: { Username: '7d9f3c1e-0a4b-4c5d-8e6f-112233445566', Enabled: true } });
    cognito.on(AdminAddUserToGroupCommand).resolves({});
    const created = await api.as(admin).post('/v1/staff', { staffId: 'cg-1', name: 'Cog One', email: 'cg-1@demo.example', role: 'tse', managerId: 'manager' });
    expect(created.status).toBe(201);
    expect(created.body.signInUsername).toBe('7d9f3c1e-0a4b-4c5d-8e6f-112233445566');
    expect((await api.as(admin).get('/v1/staff/cg-1')).body.signInUsername).toBe('7d9f3c1e-0a4b-4c5d-8e6f-112233445566');

    cognito.on(AdminGetUserCommand, { UserPoolId: POOL, Username: '7d9f3c1e-0a4b-4c5d-8e6f-112233445566' }).resolves(accountOf('7d9f3c1e-0a4b-4c5d-8e6f-112233445566', 'cg-1'));
    cognito.on(AdminUserGlobalSignOutCommand).resolves({});
    cognito.on(AdminDisableUserCommand).resolves({});
    const off = await api.as(admin).post('/v1/staff/cg-1/deactivate');
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect(cognito.commandCalls(AdminDisableUserCommand).map((c) => c.args[0].input)).toEqual([{ UserPoolId: POOL, Username: '7d9f3c1e-0a4b-4c5d-8e6f-112233445566' }]);
  });

  it('answers 409 sign_in_account_missing and leaves the staff member active when the account is gone', async () => {
    cognito.reset();
    cognito.on(AdminCreateUserCommand).resolves({ User: { Username: '0a0b0c0d-1111-4222-8333-444455556666', Enabled: true } });
    cognito.on(AdminAddUserToGroupCommand).resolves({});
    expect((await api.as(admin).post('/v1/staff', { staffId: 'cg-2', name: 'Cog Two', email: 'cg-2@demo.example', role: 'tse', managerId: 'manager' })).status).toBe(201);
    cognito.on(AdminGetUserCommand).rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));

    const res = await api.as(admin).post('/v1/staff/cg-2/deactivate');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('sign_in_account_missing');
    expect(cognito.commandCalls(AdminDisableUserCommand)).toHaveLength(0);
    expect((await api.as(admin).get('/v1/staff/cg-2')).body.active).toBe(true);
  });
});

describe('admins without a second factor (#11 item 5)', () => {
  it('are refused on every route with 403 mfa_required, and served once they sign in with TOTP', async () => {
    const none = api.stack().issuer.mint(admin, { mfa: 'none' });
    const refused = await api.withToken(none).get('/v1/staff');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'mfa_required', status: 403 });
    expect((await api.withToken(none).post('/v1/staff', { staffId: 'cg-9', name: 'No', email: 'cg-9@demo.example', role: 'tse', managerId: 'manager' })).status).toBe(403);
    expect((await api.withToken(api.stack().issuer.mint(admin)).get('/v1/staff')).status).toBe(200);
  });
});
