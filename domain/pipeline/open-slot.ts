import { isOpen, type Opportunity } from './opportunity';

/**
 * DESIGN §3: at most one *open* opportunity per (client, product). An opportunity holds its
 * (client, product) slot from creation until it closes; closing (Won or Lost) frees the slot, so a
 * re-opened deal is a new opportunity.
 */
export type OpenSlotChange = 'claim' | 'release' | 'none';

export function openSlotChange(before: Pick<Opportunity, 'stage'> | undefined, after: Pick<Opportunity, 'stage'>): OpenSlotChange {
  if (!before) return isOpen(after) ? 'claim' : 'none';
  return isOpen(before) && !isOpen(after) ? 'release' : 'none';
}
