import { z } from 'zod';
import { Slug } from '../../../domain/access/roles';
import { AlertStatus } from '../../../domain/alerts/alert';
import { text } from '../../../domain/shared/schemas';
import { PageQuery } from '../../lib/http/params';

export const AlertIdParams = z.strictObject({ id: z.string().regex(/^al_[0-9a-f]{32}$/, 'is not an alert id') });
export const AlertListQuery = PageQuery.extend({ status: AlertStatus.default('open'), staffId: Slug.optional() });
/** An optional note on acknowledging or resolving. */
export const AlertAction = z.strictObject({ note: text({ max: 1000 }).optional() });
