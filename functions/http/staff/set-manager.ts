import { z } from 'zod';
import { Slug } from '../../../domain/access/roles';
import { etag } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf, versionFromIfMatch } from '../../lib/use-cases/context';
import { setManager } from '../../lib/use-cases/staff';
import { StaffIdParams } from './params';

/** PUT /v1/staff/{staffId}/manager {managerId} — moves the staff member and their reports. */
export const handler = httpRoute({ params: StaffIdParams, body: z.strictObject({ managerId: Slug.nullable() }) }, async (input) => {
  const staff = await setManager(contextOf(input, getServices()), input.params.staffId, input.body.managerId, versionFromIfMatch(input.headers['if-match']));
  return { body: staff, headers: { etag: etag(staff.version) } };
});
