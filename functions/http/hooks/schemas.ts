import { z } from 'zod';
import { Slug } from '../../../domain/access/roles';
import { idPatterns } from '../../lib/ids';

export const HookParams = z.strictObject({ tenantId: Slug, connectionId: z.string().regex(idPatterns.connection, 'is not a connection id') });

export const HookReceipt = z
  .object({
    deliveryId: z.string(),
    /** `queued` when just received; a repeat of an earlier delivery says where that one is. */
    status: z.string(),
    /** The provider sent this delivery before: nothing new was stored. */
    duplicate: z.literal(true).optional(),
  })
  .meta({ id: 'HookReceipt' });
