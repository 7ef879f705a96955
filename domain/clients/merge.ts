import { z } from 'zod';
import { conflict } from '../errors';
import type { Opportunity } from '../pipeline/opportunity';
import { stageIndex } from '../pipeline/stages';
import type { Client } from './client';

/**
 * Merging duplicate clients (DESIGN §10, #12). The survivor keeps its id and its fields; each
 * merged client becomes an alias of it. Opportunities and events keep their ids — an id names the
 * partition it was born in, so they stay there and only their `clientId` changes — and the
 * survivor lists the merged clients, whose partitions its reads then take in (README,
 * Architecture notes: "Merging clients").
 */
export const MergeInput = z.strictObject({
  from: z
    .array(z.string().regex(/^c_[0-9a-hjkmnp-tv-z]{26}$/, 'is not a client id'))
    .min(1, 'must name at least one client')
    .max(10, 'must name at most 10 clients')
    .refine((ids) => new Set(ids).size === ids.length, { message: 'must not name a client twice' }),
});
export type MergeInput = z.infer<typeof MergeInput>;

/** A write to a merged client's id: refused, naming the client it is an alias of. */
export const clientMerged = (clientId: string, survivorId: string) =>
  conflict('client_merged', `Client ${clientId} was merged into ${survivorId}; write to ${survivorId}.`, { survivorId });

/**
 * Two open opportunities for one product (one the survivor's, one moving to it): the more advanced
 * stays open, the other is closed Lost with reason `merged`; at the same stage the survivor's stays.
 */
export function keptOf(survivors: Opportunity, moving: Opportunity): { keep: Opportunity; close: Opportunity } {
  return stageIndex(moving.stage) > stageIndex(survivors.stage) ? { keep: moving, close: survivors } : { keep: survivors, close: moving };
}

export const MERGED_REASON = 'merged';

/**
 * The survivor after taking in a merged client: its own fields win; it takes the merged client's
 * ids in systems it has none in, and its image when it has none.
 */
export function survivorAfter(survivor: Client, merged: Client, at: { now: Date; staffId: string }): Client {
  const refs = { ...(merged.externalRefs ?? {}), ...(survivor.externalRefs ?? {}) };
  const gains = Object.keys(refs).length !== Object.keys(survivor.externalRefs ?? {}).length || (!survivor.imageKey && merged.imageKey !== undefined);
  if (!gains) return survivor;
  return {
    ...survivor,
    ...(Object.keys(refs).length > 0 && { externalRefs: refs }),
    ...(!survivor.imageKey && merged.imageKey && { imageKey: merged.imageKey }),
    updatedBy: at.staffId,
    updatedAt: at.now.toISOString(),
    version: survivor.version + 1,
  };
}
