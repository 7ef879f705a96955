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
export function addTenantClaims(event: PreTokenGenerationV2TriggerEvent): PreTokenGenerationV2TriggerEvent {
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
        claimsToAddOrOverride: { tenant_id: attributes.data['custom:tenant_id'], staff_id: attributes.data['custom:staff_id'] },
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

export const handler = async (event: PreTokenGenerationV2TriggerEvent) => addTenantClaims(event);
