// Upsert of a ProvisionPlan inside one SQLite transaction (the caller opens it).
// docs/provisioning.md, Rules: all-or-nothing, applying twice changes nothing, objects the plan
// does not mention are left alone. Interactions are only created, never moved or rewritten.

import { GwsError, StatusCode } from '../../errors.ts'
import type { ProvisionPlan, ProvisionResult, WorkbinUse } from '../store.ts'
import { checkUserDataLimit, type UserDataLimit } from '../user-data-limit.ts'
import { refuseRetypeInUse } from '../workbin-use.ts'
import type {
  AgentGroupRow,
  ContactCenterRow,
  InteractionRow,
  PlaceRow,
  UserRow,
  WorkbinRow,
  QueueRow,
} from './rows.ts'
import { fromInteraction, fromUser } from './rows.ts'
import type { Statements } from './statements.ts'

type Changed = ProvisionResult['changed']

function conflict(message: string): GwsError {
  return new GwsError(StatusCode.ALREADY_EXISTS, message)
}

export function applyPlan(
  s: Statements,
  plan: ProvisionPlan,
  userDataLimit: UserDataLimit,
): ProvisionResult {
  const changed: Changed = {
    contactCenters: 0,
    placeGroups: 0,
    places: 0,
    users: 0,
    agentGroups: 0,
    workbins: 0,
    queues: 0,
    interactions: 0,
  }
  for (const entry of plan.contactCenters) {
    const cc = entry.contactCenter
    const ccId = cc.id
    let touched = 0
    const bump = (kind: keyof Changed) => {
      changed[kind]++
      touched++
    }

    const ccRow = s.contactCenter.get(ccId) as ContactCenterRow | undefined
    const ccValues = {
      id: ccId,
      name: cc.name,
      features: JSON.stringify(cc.features),
      agent_states: JSON.stringify(cc.agentStates ?? []),
    }
    const created = ccRow === undefined
    if (created) {
      s.insertContactCenter.run(ccValues)
      changed.contactCenters++
    } else if (
      ccRow.name !== ccValues.name ||
      ccRow.features !== ccValues.features ||
      ccRow.agent_states !== ccValues.agent_states
    ) {
      s.updateContactCenter.run(ccValues)
      bump('contactCenters')
    }

    for (const pg of entry.placeGroups) {
      if (s.placeGroup.get(ccId, pg.name) === undefined) {
        s.insertPlaceGroup.run(ccId, pg.name)
        bump('placeGroups')
      }
    }

    for (const place of entry.places) {
      const row = {
        contact_center_id: ccId,
        name: place.name,
        place_groups: JSON.stringify(place.placeGroups),
      }
      const old = s.place.get(ccId, place.name) as PlaceRow | undefined
      if (old === undefined) {
        s.insertPlace.run(row)
        bump('places')
      } else if (old.place_groups !== row.place_groups) {
        s.updatePlace.run(row)
        bump('places')
      }
    }

    for (const user of entry.users) {
      const row = fromUser({ ...user, contactCenterId: ccId })
      const old = s.user.get(user.id) as UserRow | undefined
      if (old === undefined) {
        s.insertUser.run(row)
        bump('users')
      } else if (old.contact_center_id !== ccId) {
        throw conflict(`user ${user.id} belongs to another contact center`)
      } else if (!sameRow(old, row)) {
        s.updateUser.run(row)
        // A new password ends the user's logins (in this transaction, so from the CLI too).
        if (old.password_hash !== row.password_hash) s.deleteUserSessions.run(user.id)
        bump('users')
      }
    }

    for (const group of entry.agentGroups) {
      const row = {
        contact_center_id: ccId,
        name: group.name,
        members: JSON.stringify(group.members),
        supervisors: JSON.stringify(group.supervisors),
      }
      const old = s.agentGroup.get(ccId, group.name) as AgentGroupRow | undefined
      if (old === undefined) {
        s.insertAgentGroup.run(row)
        bump('agentGroups')
      } else if (!sameRow(old, row)) {
        s.updateAgentGroup.run(row)
        bump('agentGroups')
      }
    }

    for (const wb of entry.workbins) {
      const row: WorkbinRow = {
        id: wb.id,
        contact_center_id: ccId,
        workbin_name: wb.workbinName,
        display_name: wb.displayName,
        type: wb.type,
      }
      const old = s.workbin.get(wb.id) as WorkbinRow | undefined
      if (old === undefined) {
        s.insertWorkbin.run(row)
        bump('workbins')
      } else if (old.contact_center_id !== ccId) {
        throw conflict(`workbin ${wb.id} belongs to another contact center`)
      } else if (!sameRow(old, row)) {
        if (old.type !== row.type) refuseRetypeInUse(wb.id, workbinUse(s, ccId, wb.id))
        s.updateWorkbin.run(row)
        bump('workbins')
      }
    }

    for (const q of entry.queues ?? []) {
      const row: QueueRow = {
        id: q.id,
        contact_center_id: ccId,
        name: q.name,
        description: q.description,
        channel: q.channel,
      }
      const old = s.queue.get(q.id) as QueueRow | undefined
      if (old === undefined) {
        s.insertQueue.run(row)
        bump('queues')
      } else if (old.contact_center_id !== ccId) {
        throw conflict(`queue ${q.id} belongs to another contact center`)
      } else if (!sameRow(old, row)) {
        s.updateQueue.run(row)
        bump('queues')
      }
    }

    for (const ixn of entry.interactions) {
      const old = s.interactionAnyContactCenter.get(ixn.id) as InteractionRow | undefined
      if (old === undefined) {
        checkUserDataLimit(`interaction ${ixn.id}`, ixn.userData, userDataLimit)
        s.insertInteraction.run(fromInteraction({ ...ixn, contactCenterId: ccId }))
        bump('interactions')
      } else if (old.contact_center_id !== ccId) {
        throw conflict(`interaction ${ixn.id} belongs to another contact center`)
      }
      // An existing interaction is left where it is (agents may have moved it since).
    }

    // The directory version moves whenever provisioning changes the contact center, so running
    // servers pick up the new configuration.
    if (!created && touched > 0) s.bumpVersion.run(ccId)
  }
  return { changed }
}

/** Store.workbinInUse, also read inside the provisioning transaction. */
export function workbinUse(s: Statements, contactCenterId: string, workbinId: string): WorkbinUse {
  const row = s.workbinInUse.get({ cc: contactCenterId, wb: workbinId }) as {
    interactions: number
    subscriptions: number
  }
  return { interactions: row.interactions === 1, subscriptions: row.subscriptions === 1 }
}

function sameRow<T extends object>(a: T, b: T): boolean {
  return (Object.keys(b) as (keyof T)[]).every((k) => a[k] === b[k])
}
