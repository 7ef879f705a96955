import { z } from 'zod';
import { Slug } from '../../../domain/access/roles';

export const StaffIdParams = z.strictObject({ staffId: Slug });
