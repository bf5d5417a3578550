// The rules that keep one actor from holding a location's open times: pure functions over the
// counts, so they can be read and tested without a server. holds.ts applies them.
import {
  LOCATION_SHARE,
  LOCATION_SHARE_MIN,
  MAX_ACTIVE_HOLDS_PER_NETWORK,
  PROOF_BASE_BITS,
  PROOF_BITS_PAST_SHARE,
  PROOF_BITS_PER_HOLD_PAST_SHARE,
  PROOF_BITS_PER_NETWORK_HOLD,
  PROOF_MAX_BITS,
} from './limits.js';

/** Active holds (and holds on their way upstream) made through this BFF. */
export interface HoldCounts {
  /** Of the asking network, at any location. */
  network: number;
  /** Of the asking network, at this location. */
  networkHere: number;
  /** Of anyone, at this location. */
  location: number;
}

/** How many of a location's times may be held before holds get dear: its open times plus those held here. */
export function locationShare(openTimes: number, heldHere: number): number {
  return Math.max(LOCATION_SHARE_MIN, Math.ceil(LOCATION_SHARE * (openTimes + heldHere)));
}

/** Why a network may not hold one more time now, or undefined when it may. */
export function holdRefusal(counts: HoldCounts, share: number): 'network_full' | 'past_share' | undefined {
  if (counts.network >= MAX_ACTIVE_HOLDS_PER_NETWORK) return 'network_full';
  // Past the share, the times left go to networks that hold none of this location's yet.
  if (counts.location >= share && counts.networkHere > 0) return 'past_share';
  return undefined;
}

/**
 * Leading zero bits a hold's proof of work needs: the cost doubles with every hold past the
 * share, so taking the rest of a location gets exponentially dearer; it stops growing at
 * PROOF_MAX_BITS, because refusing outright would lock the patients out, which is what an
 * attacker wants.
 */
export function proofBits(counts: HoldCounts, share: number): number {
  const own = PROOF_BITS_PER_NETWORK_HOLD * counts.network;
  const past = counts.location >= share ? PROOF_BITS_PAST_SHARE + PROOF_BITS_PER_HOLD_PAST_SHARE * (counts.location - share) : 0;
  return Math.min(PROOF_MAX_BITS, PROOF_BASE_BITS + own + past);
}
