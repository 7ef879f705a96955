import { z } from 'zod';
import { Slug } from '../../../domain/access/roles';
import { idPatterns } from '../ids';

/** Path parameters of the resource routes: a malformed id is a 422, an unknown one a 404. */
export const ClientIdParams = z.strictObject({ id: z.string().regex(idPatterns.client, 'is not a client id') });
export const OpportunityIdParams = z.strictObject({ id: z.string().regex(idPatterns.opportunity, 'is not an opportunity id') });
export const EventIdParams = z.strictObject({ id: z.string().regex(idPatterns.event, 'is not an event id') });
export const StaffIdParams = z.strictObject({ staffId: Slug });

/** `limit` and `cursor` of every list route. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).max(4096).optional(),
});

/** A list answer: the items and, when there is more, the cursor of the next page. */
export const PageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    /** Pass as `cursor` for the next page; absent on the last page. */
    nextCursor: z.string().optional(),
  });

/** A list response: the items and, when there is more, the cursor of the next page. */
export const pageBody = <T>(page: { items: T[]; cursor?: string }) => ({ items: page.items, ...(page.cursor && { nextCursor: page.cursor }) });
