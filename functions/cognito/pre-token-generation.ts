import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { z } from 'zod';
import { Slug } from '../../domain/access/roles';
import { logger } from '../lib/logger';

/** The immutable attributes AdminCreateUser sets (functions/lib/identity/identity-provider.ts). */
const TenantAttributes = z.object({ 'custom:tenant_id': Slug, 'custom:staff_id': Slug });

/**
 * Cognito pre-token-generation trigger, event version V2_0 (access-token customisation; the pool's
 * Plus plan allows it). Copies the user's tenant and staff ids into the access token as `tenant_id`
 * and `staff_id`, the claims functions/lib/auth/verifier.ts requires. Groups (the role) are left
 * as Cognito sends them.
 *
 * An account without both ids, or with malformed ones, gets no tokens at all: a throw here fails
 * the sign-in or refresh, which is better than a token that is valid but belongs to no tenant.
 */
/** Roles whose tokens carry `mfa` (and that the API refuses without TOTP: functions/lib/auth/verifier.ts). */
export const MFA_ROLES: readonly string[] = ['platform_admin', 'tenant_admin'];

/** Whether the account has TOTP on (with the pool's MFA optional, Cognito then asks for it at every sign-in). */
export type MfaLookup = (userPoolId: string, username: string) => Promise<boolean>;

export function addTenantClaims(event: PreTokenGenerationV2TriggerEvent, mfa?: 'totp' | 'none'): PreTokenGenerationV2TriggerEvent {
  // A V1_0 event would ignore the access-token override below and issue tokens without the claims.
  if (event.version !== '2') throw refuse(event, 'the trigger must be attached with LambdaVersion.V2_0', { version: event.version });
  const attributes = TenantAttributes.safeParse(event.request.userAttributes);
  if (!attributes.success) {
    throw refuse(event, 'tenant or staff attribute missing or malformed', {
      // Which attributes and why, never their values.
      problems: attributes.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    });
  }
  // Only the access token is touched; no groupOverrideDetails, so cognito:groups stays as it is.
  event.response = {
    claimsAndScopeOverrideDetails: {
      accessTokenGeneration: {
        claimsToAddOrOverride: { tenant_id: attributes.data['custom:tenant_id'], staff_id: attributes.data['custom:staff_id'], ...(mfa && { mfa }) },
      },
    },
  };
  return event;
}

function refuse(event: PreTokenGenerationV2TriggerEvent, reason: string, details: Record<string, unknown>): Error {
  logger.error('refusing tokens', { reason, userName: event.userName, triggerSource: event.triggerSource, ...details });
  // Cognito shows this message to the app ("PreTokenGeneration failed with error …"): keep it generic.
  return new Error('This account is not set up for sign-in. Ask your administrator.');
}

/**
 * Cognito's own answer, read only for admins (AdminGetUser; the SDK loads on the first admin
 * sign-in): the trigger event does not say whether the sign-in used MFA.
 */
const cognitoMfaLookup: MfaLookup = async (userPoolId, username) => {
  const { AdminGetUserCommand, CognitoIdentityProviderClient } = await import('@aws-sdk/client-cognito-identity-provider');
  client ??= new CognitoIdentityProviderClient({ maxAttempts: 2 });
  const user = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
  return user.UserMFASettingList?.includes('SOFTWARE_TOKEN_MFA') ?? false;
};
let client: import('@aws-sdk/client-cognito-identity-provider').CognitoIdentityProviderClient | undefined;

/**
 * Admins' access tokens also say whether the account signs in with TOTP (`mfa: "totp" | "none"`):
 * the API serves admins only with "totp" (#11 item 5), so an admin without it can still sign in
 * to set TOTP up (AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference with that
 * access token), and nothing else.
 */
export function tokenClaims(lookup: MfaLookup) {
  return async (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> => {
    const groups = event.request?.groupConfiguration?.groupsToOverride ?? [];
    if (!groups.some((g) => MFA_ROLES.includes(g))) return addTenantClaims(event);
    // Checked first, so an account without tenant attributes never costs a Cognito call.
    addTenantClaims(event);
    return addTenantClaims(event, (await lookup(event.userPoolId, event.userName)) ? 'totp' : 'none');
  };
}

export const handler = tokenClaims(cognitoMfaLookup);
