// The store's own guard on a workbin's type, shared by both adapters' apply-plan.ts.

import { GwsError, StatusCode } from '../errors.ts'
import type { WorkbinUse } from './store.ts'

/**
 * Stored interactions and subscriptions name their instance by an owner of the workbin's type (a
 * user id, a place or a group name): under another type no lookup would find them again. The
 * document check (checkAgainstStore) refuses this with a path first; this holds when the workbin
 * filled up after that check, before the transaction.
 */
export function refuseRetypeInUse(workbinId: string, use: WorkbinUse): void {
  if (use.interactions || use.subscriptions) {
    throw new GwsError(
      StatusCode.IN_USE,
      `workbin ${workbinId} holds interactions or has subscriptions: its type cannot change`,
    )
  }
}
