// The offer sweep (docs/interactions.md "Offers"): every server, every
// WORKBINS_OFFER_SWEEP_SECONDS and once at start, withdraws the offers the store says were made
// more than WORKBINS_OFFER_TIMEOUT_SECONDS ago. The in-process timer of the server that made an
// offer withdraws it on time; the sweep catches those whose server stopped or died first. Both
// use the same compare-and-set, so each offer is withdrawn once, whoever gets there first.

import { cancelOfferTimer, withdrawOffer } from './offers.ts'
import type { WorkbinDeps } from './operation.ts'
import { startPeriodic, type Periodic } from './periodic.ts'

export type OfferSweep = Periodic

/** One pass: withdraw every expired offer, a batch at a time. Returns how many it withdrew. */
export async function sweepExpiredOffers(deps: WorkbinDeps, now = Date.now()): Promise<number> {
  const before = now - deps.config.offerTimeoutSeconds * 1000
  const batch = deps.config.offerSweepBatch
  let withdrawn = 0
  for (;;) {
    const expired = await deps.store.listExpiredInvitations(before, batch)
    for (const ix of expired) {
      cancelOfferTimer(ix.contactCenterId, ix.id)
      // Not withdrawn: answered or withdrawn elsewhere meanwhile; either way its move changed
      // or cleared the stored offer time, so the next read does not return it again.
      if (await withdrawOffer(deps, ix)) withdrawn++
    }
    if (expired.length < batch) return withdrawn
  }
}

export function startOfferSweep(deps: WorkbinDeps): OfferSweep {
  // Offers that expired while no server ran go at once.
  return startPeriodic(
    deps.config.offerSweepSeconds * 1000,
    () => sweepExpiredOffers(deps),
    (n) => {
      if (n > 0) deps.log.info({ withdrawn: n }, 'expired offers withdrawn')
    },
    deps.log,
    'offer sweep failed; next period retries',
  )
}
