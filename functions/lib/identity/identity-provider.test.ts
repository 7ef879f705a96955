import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
  InternalErrorException,
  TooManyRequestsException,
  UsernameExistsException,
  UserNotFoundException,
  type AdminGetUserCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CognitoIdentityProvider, createIdentityProvider, IdentityMismatchError, IdentityNotFoundError, LocalIdentityProvider, type NewIdentity } from './identity-provider';

const cognito = mockClient(CognitoIdentityProviderClient);
const USER_POOL_ID = 'ap-south-1_AbCdEf123';
const provider = new CognitoIdentityProvider(USER_POOL_ID, new CognitoIdentityProviderClient({ region: 'ap-south-1' }));

const newIdentity = (overrides: Partial<NewIdentity> = {}): NewIdentity => ({
  tenantId: 'demo',
  staffId: 'tse-3',
  email: 'Asha.Nair@Example.com',
  name: 'Asha Nair',
  role: 'tse',
  ...overrides,
});

/** An AdminGetUser answer for an account of (tenantId, staffId). */
const account = (tenantId: string, staffId: string, overrides: Partial<AdminGetUserCommandOutput> = {}): AdminGetUserCommandOutput => ({
  $metadata: {},
  Username: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
  Enabled: true,
  UserStatus: 'FORCE_CHANGE_PASSWORD',
  UserAttributes: [
    { Name: 'sub', Value: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b' },
    { Name: 'email', Value: 'asha.nair@example.com' },
    { Name: 'email_verified', Value: 'true' },
    { Name: 'custom:tenant_id', Value: tenantId },
    { Name: 'custom:staff_id', Value: staffId },
  ],
  ...overrides,
});

const exists = () => new UsernameExistsException({ message: 'An account with the given email already exists.', $metadata: {} });
const notFound = () => new UserNotFoundException({ message: 'User does not exist.', $metadata: {} });

const inputs = <T extends Parameters<typeof cognito.commandCalls>[0]>(command: T) => cognito.commandCalls(command).map((call) => call.args[0].input);

beforeEach(() => {
  cognito.reset();
  cognito.on(AdminCreateUserCommand).resolves({ User: { Username: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b', Enabled: true } });
  cognito.on(AdminAddUserToGroupCommand).resolves({});
  cognito.on(AdminUserGlobalSignOutCommand).resolves({});
  cognito.on(AdminDisableUserCommand).resolves({});
});

describe('CognitoIdentityProvider.createUser', () => {
  it('creates the account under the lower-cased email with the tenant and staff attributes, invites by email, then adds it to the role group', async () => {
    // Cognito's own (generated) username comes back, for the staff record to keep.
    expect(await provider.createUser(newIdentity())).toEqual({ username: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b' });

    expect(inputs(AdminCreateUserCommand)).toEqual([
      {
        UserPoolId: USER_POOL_ID,
        Username: 'asha.nair@example.com',
        UserAttributes: [
          { Name: 'email', Value: 'asha.nair@example.com' },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'name', Value: 'Asha Nair' },
          { Name: 'custom:tenant_id', Value: 'demo' },
          { Name: 'custom:staff_id', Value: 'tse-3' },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
      },
    ]);
    expect(inputs(AdminAddUserToGroupCommand)).toEqual([{ UserPoolId: USER_POOL_ID, Username: 'asha.nair@example.com', GroupName: 'tse' }]);
    expect(cognito.commandCalls(AdminGetUserCommand)).toHaveLength(0);
    // Created before grouped: a group add for a user that does not exist yet would fail.
    expect(cognito.calls().map((c) => c.args[0].constructor.name)).toEqual(['AdminCreateUserCommand', 'AdminAddUserToGroupCommand']);
  });

  it('on a retry finds its own account (same tenant and staff), does not create another and still adds the group', async () => {
    cognito.on(AdminCreateUserCommand).rejects(exists());
    cognito.on(AdminGetUserCommand).resolves(account('demo', 'tse-3'));

    expect(await provider.createUser(newIdentity({ role: 'manager' }))).toEqual({ username: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b' });

    expect(inputs(AdminGetUserCommand)).toEqual([{ UserPoolId: USER_POOL_ID, Username: 'asha.nair@example.com' }]);
    expect(inputs(AdminAddUserToGroupCommand)).toEqual([{ UserPoolId: USER_POOL_ID, Username: 'asha.nair@example.com', GroupName: 'manager' }]);
  });

  it.each([
    ['another tenant', account('acme', 'tse-3')],
    ['another staff member of the same tenant', account('demo', 'tse-1')],
    ['an account without tenant attributes', account('demo', 'tse-3', { UserAttributes: [{ Name: 'email', Value: 'asha.nair@example.com' }] })],
  ])('refuses with IdentityMismatchError when the email belongs to %s, and adds no group', async (_, existing) => {
    cognito.on(AdminCreateUserCommand).rejects(exists());
    cognito.on(AdminGetUserCommand).resolves(existing);

    await expect(provider.createUser(newIdentity())).rejects.toBeInstanceOf(IdentityMismatchError);
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)).toHaveLength(0);
  });

  it('rethrows UsernameExistsException when the account vanished between the create and the read (a retry creates it)', async () => {
    const existsError = exists();
    cognito.on(AdminCreateUserCommand).rejects(existsError);
    cognito.on(AdminGetUserCommand).rejects(notFound());

    await expect(provider.createUser(newIdentity())).rejects.toBe(existsError);
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)).toHaveLength(0);
  });

  it('propagates any other AdminCreateUser error untouched, without reading or grouping', async () => {
    const throttled = new TooManyRequestsException({ message: 'Too many requests', $metadata: {} });
    cognito.on(AdminCreateUserCommand).rejects(throttled);

    await expect(provider.createUser(newIdentity())).rejects.toBe(throttled);
    expect(cognito.commandCalls(AdminGetUserCommand)).toHaveLength(0);
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)).toHaveLength(0);
  });

  it('propagates a failed group add, so the caller retries the whole (idempotent) call', async () => {
    const failure = new InternalErrorException({ message: 'Internal error', $metadata: {} });
    cognito.on(AdminAddUserToGroupCommand).rejects(failure);

    await expect(provider.createUser(newIdentity())).rejects.toBe(failure);
  });
});

describe('CognitoIdentityProvider.disableUser', () => {
  const ref = { tenantId: 'demo', staffId: 'tse-3', email: 'ASHA.NAIR@example.com' };
  const byEmail = { UserPoolId: USER_POOL_ID, Username: 'asha.nair@example.com' };

  it('checks the account is this staff member’s, signs it out everywhere, then disables it', async () => {
    cognito.on(AdminGetUserCommand).resolves(account('demo', 'tse-3'));

    await provider.disableUser(ref);

    expect(inputs(AdminGetUserCommand)).toEqual([byEmail]);
    expect(inputs(AdminUserGlobalSignOutCommand)).toEqual([byEmail]);
    expect(inputs(AdminDisableUserCommand)).toEqual([byEmail]);
    expect(cognito.calls().map((c) => c.args[0].constructor.name)).toEqual(['AdminGetUserCommand', 'AdminUserGlobalSignOutCommand', 'AdminDisableUserCommand']);
  });

  it('does nothing more for an account an earlier run already disabled', async () => {
    cognito.on(AdminGetUserCommand).resolves(account('demo', 'tse-3', { Enabled: false }));

    await provider.disableUser(ref);

    expect(cognito.commandCalls(AdminUserGlobalSignOutCommand)).toHaveLength(0);
    expect(cognito.commandCalls(AdminDisableUserCommand)).toHaveLength(0);
  });

  it('completes a run that signed the user out but failed to disable', async () => {
    cognito.on(AdminGetUserCommand).resolves(account('demo', 'tse-3'));
    cognito.on(AdminDisableUserCommand).rejectsOnce(new InternalErrorException({ message: 'Internal error', $metadata: {} })).resolves({});

    await expect(provider.disableUser(ref)).rejects.toBeInstanceOf(InternalErrorException);
    await provider.disableUser(ref);

    expect(inputs(AdminUserGlobalSignOutCommand)).toEqual([byEmail, byEmail]);
    expect(inputs(AdminDisableUserCommand)).toEqual([byEmail, byEmail]);
  });

  it('finds the account by the username the staff record keeps, not by the email (which Cognito lets change)', async () => {
    cognito.on(AdminGetUserCommand).resolves(account('demo', 'tse-3'));
    const byUsername = { UserPoolId: USER_POOL_ID, Username: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b' };

    await provider.disableUser({ ...ref, username: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b' });

    expect(inputs(AdminGetUserCommand)).toEqual([byUsername]);
    expect(inputs(AdminUserGlobalSignOutCommand)).toEqual([byUsername]);
    expect(inputs(AdminDisableUserCommand)).toEqual([byUsername]);
  });

  it('fails with IdentityNotFoundError, changing nothing, when no account answers to the username (#11 item 5)', async () => {
    cognito.on(AdminGetUserCommand).rejects(notFound());

    await expect(provider.disableUser({ ...ref, username: 'gone' })).rejects.toBeInstanceOf(IdentityNotFoundError);
    await expect(provider.disableUser(ref)).rejects.toThrow('no sign-in account found for staff demo/tse-3');

    expect(cognito.commandCalls(AdminUserGlobalSignOutCommand)).toHaveLength(0);
    expect(cognito.commandCalls(AdminDisableUserCommand)).toHaveLength(0);
  });

  it('refuses to touch an account that belongs to another tenant', async () => {
    cognito.on(AdminGetUserCommand).resolves(account('acme', 'tse-3'));

    await expect(provider.disableUser(ref)).rejects.toBeInstanceOf(IdentityMismatchError);
    expect(cognito.commandCalls(AdminUserGlobalSignOutCommand)).toHaveLength(0);
    expect(cognito.commandCalls(AdminDisableUserCommand)).toHaveLength(0);
  });

  it('propagates AdminGetUser and sign-out errors, disabling nothing after a failed sign-out', async () => {
    const throttled = new TooManyRequestsException({ message: 'Too many requests', $metadata: {} });
    cognito.on(AdminGetUserCommand).rejectsOnce(throttled).resolves(account('demo', 'tse-3'));
    await expect(provider.disableUser(ref)).rejects.toBe(throttled);

    const failure = new InternalErrorException({ message: 'Internal error', $metadata: {} });
    cognito.on(AdminUserGlobalSignOutCommand).rejects(failure);
    await expect(provider.disableUser(ref)).rejects.toBe(failure);
    expect(cognito.commandCalls(AdminDisableUserCommand)).toHaveLength(0);
  });
});

describe('LocalIdentityProvider', () => {
  it('accepts both calls and sends nothing anywhere', async () => {
    const local = new LocalIdentityProvider();
    await expect(local.createUser()).resolves.toEqual({});
    await expect(local.disableUser()).resolves.toBeUndefined();
    expect(cognito.calls()).toHaveLength(0);
  });
});

describe('createIdentityProvider', () => {
  it('uses Cognito with the configured pool when AUTH_MODE=cognito', async () => {
    const chosen = createIdentityProvider({ AUTH_MODE: 'cognito', COGNITO_USER_POOL_ID: 'ap-south-1_Other' }, new CognitoIdentityProviderClient({ region: 'ap-south-1' }));
    expect(chosen).toBeInstanceOf(CognitoIdentityProvider);
    cognito.on(AdminGetUserCommand).resolves(account('demo', 'tse-3'));
    await chosen.disableUser({ tenantId: 'demo', staffId: 'tse-3', email: 'a@example.com' });
    expect(inputs(AdminGetUserCommand)).toEqual([{ UserPoolId: 'ap-south-1_Other', Username: 'a@example.com' }]);
  });

  it('uses the no-op provider when AUTH_MODE=local', () => {
    expect(createIdentityProvider({ AUTH_MODE: 'local', COGNITO_USER_POOL_ID: undefined })).toBeInstanceOf(LocalIdentityProvider);
  });

  it('fails fast without a user pool id in cognito mode', () => {
    expect(() => createIdentityProvider({ AUTH_MODE: 'cognito', COGNITO_USER_POOL_ID: undefined })).toThrow(/COGNITO_USER_POOL_ID/);
  });
});
