import type { AdminGetUserCommandOutput, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { Role } from '../../../domain/access/roles';
import type { Config } from '../config';
import { logger } from '../logger';

/** Who a sign-in account belongs to. */
export interface IdentityRef {
  tenantId: string;
  staffId: string;
  email: string;
  /**
   * The account's Cognito username, as createUser returned it and the staff record keeps it
   * (`signInUsername`). Records made before it was kept have none: their account is found by email.
   */
  username?: string | undefined;
}

/** What createUser made: the account's own username (Cognito's generated one; none locally). */
export interface CreatedIdentity {
  username?: string;
}

export interface NewIdentity extends IdentityRef {
  name: string;
  role: Role;
}

/**
 * The sign-in accounts behind staff records (DESIGN §4: tenant admins manage users). Both calls
 * are safe to retry: a use case that failed half-way may run them again with the same input.
 */
export interface IdentityProvider {
  /** Creates the account, invites the person by email and puts them in their role's group. */
  createUser(user: NewIdentity): Promise<CreatedIdentity>;
  /**
   * The account can no longer sign in, and its refresh tokens stop working. No account by that
   * username is an error (IdentityNotFoundError): the staff record and Cognito disagree, and
   * "deactivated" must never be reported for someone who may still sign in.
   */
  disableUser(user: IdentityRef): Promise<void>;
}

/** Immutable custom attributes (infra/stacks/api.ts); the pre-token-generation trigger copies them into the access token. */
export const TENANT_ATTRIBUTE = 'custom:tenant_id';
export const STAFF_ATTRIBUTE = 'custom:staff_id';

/**
 * Username scheme: the lower-cased email. The user pool signs in by email
 * (`signInAliases: { email: true }` → `UsernameAttributes: [email]`, fixed once the pool exists),
 * so Cognito only accepts an email as `Username` in AdminCreateUser, stores a generated UUID as the
 * real username, and accepts the email wherever the admin APIs take a username. Emails are
 * therefore unique per pool, across tenants: one person, one tenant. Lower-cased because the pool
 * compares usernames case-sensitively (CDK's default `signInCaseSensitive: true`, also fixed).
 * `${tenantId}:${staffId}` would be the natural key but cannot be a username here; it lives in the
 * two immutable custom attributes instead, and every call checks them before acting.
 */
export const cognitoUsername = (email: string) => email.trim().toLowerCase();

/**
 * The Cognito SDK loads on the first account created or disabled (imported dynamically, so the
 * bundle keeps it lazy): only the two staff routes that manage accounts call it, and every other
 * route's cold start skips ~100 ms of SDK (npm run bench:cold).
 */
type CognitoSdk = typeof import('@aws-sdk/client-cognito-identity-provider');
let sdkLoading: Promise<CognitoSdk> | undefined;
const cognitoSdk = () => (sdkLoading ??= import('@aws-sdk/client-cognito-identity-provider'));

let sharedClient: CognitoIdentityProviderClient | undefined;
/** One client per process, built on first use; region from AWS_REGION like every SDK client in Lambda. */
const defaultClient = async () => (sharedClient ??= new (await cognitoSdk()).CognitoIdentityProviderClient({ maxAttempts: 3 }));

export class CognitoIdentityProvider implements IdentityProvider {
  constructor(
    private readonly userPoolId: string,
    private readonly injected?: CognitoIdentityProviderClient,
  ) {}

  private async sdk(): Promise<{ client: CognitoIdentityProviderClient; sdk: CognitoSdk }> {
    return { client: this.injected ?? (await defaultClient()), sdk: await cognitoSdk() };
  }

  async createUser(user: NewIdentity): Promise<CreatedIdentity> {
    const { client, sdk } = await this.sdk();
    const Username = cognitoUsername(user.email);
    let username: string | undefined;
    try {
      const created = await client.send(
        new sdk.AdminCreateUserCommand({
          UserPoolId: this.userPoolId,
          Username,
          UserAttributes: [
            { Name: 'email', Value: Username },
            // The tenant admin vouches for the address; Cognito mails the temporary password to it.
            { Name: 'email_verified', Value: 'true' },
            { Name: 'name', Value: user.name },
            { Name: TENANT_ATTRIBUTE, Value: user.tenantId },
            { Name: STAFF_ATTRIBUTE, Value: user.staffId },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
        }),
      );
      username = created.User?.Username;
    } catch (error) {
      if (!(error instanceof sdk.UsernameExistsException)) throw error;
      // A retry after a partial failure finds its own account and carries on; anyone else's is refused
      // (the staff use case answers 409). Gone again since the create: a plain retry will do.
      const existing = await this.getUser(Username);
      if (!existing) throw error;
      if (!ownedBy(existing, user)) throw new IdentityMismatchError(user);
      logger.info('identity already exists for this staff member; continuing', { tenantId: user.tenantId, staffId: user.staffId });
      username = existing.Username;
    }
    // Adding a user to a group they are already in succeeds, so this step is retry-safe as it is.
    await client.send(new sdk.AdminAddUserToGroupCommand({ UserPoolId: this.userPoolId, Username, GroupName: user.role }));
    return username ? { username } : {};
  }

  async disableUser(user: IdentityRef): Promise<void> {
    const { client, sdk } = await this.sdk();
    // By the username the record keeps: an email can be changed in Cognito, a username cannot.
    const Username = user.username ?? cognitoUsername(user.email);
    const existing = await this.getUser(Username);
    if (!existing) {
      logger.error('no identity to disable', { tenantId: user.tenantId, staffId: user.staffId, by: user.username ? 'username' : 'email' });
      throw new IdentityNotFoundError(user);
    }
    // The email comes from our staff record, but the pool spans tenants: never act on another tenant's account.
    if (!ownedBy(existing, user)) throw new IdentityMismatchError(user);
    // Already disabled by an earlier run, which had signed the user out first.
    if (existing.Enabled === false) return;
    // Sign-out first: whether Cognito accepts a global sign-out for a disabled user is not
    // documented, and in this order a retry after either step completes the other.
    await client.send(new sdk.AdminUserGlobalSignOutCommand({ UserPoolId: this.userPoolId, Username }));
    await client.send(new sdk.AdminDisableUserCommand({ UserPoolId: this.userPoolId, Username }));
  }

  private async getUser(Username: string): Promise<AdminGetUserCommandOutput | undefined> {
    const { client, sdk } = await this.sdk();
    try {
      return await client.send(new sdk.AdminGetUserCommand({ UserPoolId: this.userPoolId, Username }));
    } catch (error) {
      if (error instanceof sdk.UserNotFoundException) return undefined;
      throw error;
    }
  }
}

const ownedBy = (user: AdminGetUserCommandOutput, ref: IdentityRef) => {
  const attribute = (name: string) => user.UserAttributes?.find((a) => a.Name === name)?.Value;
  return attribute(TENANT_ATTRIBUTE) === ref.tenantId && attribute(STAFF_ATTRIBUTE) === ref.staffId;
};

/**
 * The account behind the email belongs to another tenant or staff member (or has no tenant):
 * on create, the email is taken; on disable, our records and Cognito disagree. Nothing was changed.
 */
export class IdentityMismatchError extends Error {
  override readonly name = 'IdentityMismatchError';
  constructor(ref: IdentityRef) {
    super(`the sign-in account with the email of staff ${ref.tenantId}/${ref.staffId} belongs to someone else; refusing to touch it`);
  }
}

/** No sign-in account answers to the staff record's username (or email): nothing was changed. */
export class IdentityNotFoundError extends Error {
  override readonly name = 'IdentityNotFoundError';
  constructor(ref: IdentityRef) {
    super(`no sign-in account found for staff ${ref.tenantId}/${ref.staffId}`);
  }
}

/**
 * Locally there are no accounts to keep in step: the local issuer (scripts/local/issuer.ts,
 * `npm run token`) mints a signed token for any tenant, staff id and role on demand. So creating
 * and disabling do nothing and record nothing; whether a staff member is active is the staff
 * record's business, in both modes.
 */
export class LocalIdentityProvider implements IdentityProvider {
  async createUser(): Promise<CreatedIdentity> {
    return {};
  }
  async disableUser(): Promise<void> {}
}

/** Chosen by AUTH_MODE, like the token verifier: Cognito in AWS, nothing locally. */
export function createIdentityProvider(cfg: Pick<Config, 'AUTH_MODE' | 'COGNITO_USER_POOL_ID'>, client?: CognitoIdentityProviderClient): IdentityProvider {
  switch (cfg.AUTH_MODE) {
    case 'cognito':
      if (!cfg.COGNITO_USER_POOL_ID) throw new Error('COGNITO_USER_POOL_ID is required when AUTH_MODE=cognito');
      return new CognitoIdentityProvider(cfg.COGNITO_USER_POOL_ID, client);
    case 'local':
      return new LocalIdentityProvider();
  }
}
