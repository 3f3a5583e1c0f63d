// Upsert of a ProvisionPlan inside one PostgreSQL transaction (the caller opens it); the same
// rules as the SQLite adapter's apply-plan.ts: all-or-nothing, applying twice changes nothing,
// objects the plan does not mention are left alone, interactions are only created.

import type { PoolClient } from 'pg'
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
} from '../sqlite/rows.ts'
import { fromInteraction, fromUser } from '../sqlite/rows.ts'
import { SQL } from './statements.ts'

type Changed = ProvisionResult['changed']

function conflict(message: string): GwsError {
  return new GwsError(StatusCode.ALREADY_EXISTS, message)
}

export async function applyPlan(
  c: PoolClient,
  plan: ProvisionPlan,
  userDataLimit: UserDataLimit,
): Promise<ProvisionResult> {
  const one = async <T>(sql: string, params: unknown[]): Promise<T | undefined> =>
    (await c.query(sql, params)).rows[0] as T | undefined
  const run = async (sql: string, params: unknown[]) => {
    await c.query(sql, params)
  }
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

    const features = JSON.stringify(cc.features)
    const agentStates = JSON.stringify(cc.agentStates ?? [])
    const ccRow = await one<ContactCenterRow>(SQL.contactCenterForUpdate, [ccId])
    const created = ccRow === undefined
    if (created) {
      await run(SQL.insertContactCenter, [ccId, cc.name, features, agentStates])
      changed.contactCenters++
    } else if (
      ccRow.name !== cc.name ||
      ccRow.features !== features ||
      ccRow.agent_states !== agentStates
    ) {
      await run(SQL.updateContactCenter, [ccId, cc.name, features, agentStates])
      bump('contactCenters')
    }

    for (const pg of entry.placeGroups) {
      if ((await one(SQL.placeGroup, [ccId, pg.name])) === undefined) {
        await run(SQL.insertPlaceGroup, [ccId, pg.name])
        bump('placeGroups')
      }
    }

    for (const place of entry.places) {
      const groups = JSON.stringify(place.placeGroups)
      const old = await one<PlaceRow>(SQL.place, [ccId, place.name])
      if (old === undefined) {
        await run(SQL.insertPlace, [ccId, place.name, groups])
        bump('places')
      } else if (old.place_groups !== groups) {
        await run(SQL.updatePlace, [ccId, place.name, groups])
        bump('places')
      }
    }

    for (const user of entry.users) {
      const row = fromUser({ ...user, contactCenterId: ccId })
      const params = [
        row.id,
        row.contact_center_id,
        row.user_name,
        row.password_hash,
        row.first_name,
        row.last_name,
        row.roles,
        row.place,
      ]
      const old = await one<UserRow>(SQL.user, [user.id])
      if (old === undefined) {
        await run(SQL.insertUser, params)
        bump('users')
      } else if (old.contact_center_id !== ccId) {
        throw conflict(`user ${user.id} belongs to another contact center`)
      } else if (!sameRow(old, row)) {
        await run(SQL.updateUser, params)
        // A new password ends the user's logins (in this transaction, so from the CLI too).
        if (old.password_hash !== row.password_hash) await run(SQL.deleteUserSessions, [user.id])
        bump('users')
      }
    }

    for (const group of entry.agentGroups) {
      const row: AgentGroupRow = {
        contact_center_id: ccId,
        name: group.name,
        members: JSON.stringify(group.members),
        supervisors: JSON.stringify(group.supervisors),
      }
      const params = [ccId, group.name, row.members, row.supervisors]
      const old = await one<AgentGroupRow>(SQL.agentGroup, [ccId, group.name])
      if (old === undefined) {
        await run(SQL.insertAgentGroup, params)
        bump('agentGroups')
      } else if (!sameRow(old, row)) {
        await run(SQL.updateAgentGroup, params)
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
      const params = [wb.id, ccId, wb.workbinName, wb.displayName, wb.type]
      const old = await one<WorkbinRow>(SQL.workbin, [wb.id])
      if (old === undefined) {
        await run(SQL.insertWorkbin, params)
        bump('workbins')
      } else if (old.contact_center_id !== ccId) {
        throw conflict(`workbin ${wb.id} belongs to another contact center`)
      } else if (!sameRow(old, row)) {
        if (old.type !== row.type) {
          await run(SQL.workbinForUpdate, [wb.id])
          refuseRetypeInUse(wb.id, (await one<WorkbinUse>(SQL.workbinInUse, [ccId, wb.id]))!)
        }
        await run(SQL.updateWorkbin, params)
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
      const params = [q.id, ccId, q.name, q.description, q.channel]
      const old = await one<QueueRow>(SQL.queue, [q.id])
      if (old === undefined) {
        await run(SQL.insertQueue, params)
        bump('queues')
      } else if (old.contact_center_id !== ccId) {
        throw conflict(`queue ${q.id} belongs to another contact center`)
      } else if (!sameRow(old, row)) {
        await run(SQL.updateQueue, params)
        bump('queues')
      }
    }

    for (const ixn of entry.interactions) {
      const old = await one<InteractionRow>(SQL.interactionAnyContactCenter, [ixn.id])
      if (old === undefined) {
        checkUserDataLimit(`interaction ${ixn.id}`, ixn.userData, userDataLimit)
        await run(
          SQL.insertInteraction,
          interactionParams(fromInteraction({ ...ixn, contactCenterId: ccId })),
        )
        bump('interactions')
      } else if (old.contact_center_id !== ccId) {
        throw conflict(`interaction ${ixn.id} belongs to another contact center`)
      }
      // An existing interaction is left where it is.
    }

    // The directory version moves whenever provisioning changes the contact center.
    if (!created && touched > 0) await run(SQL.bumpVersion, [ccId])
  }
  return { changed }
}

/** Parameters of SQL.insertInteraction, in column order. */
export function interactionParams(r: InteractionRow): unknown[] {
  return [
    r.id,
    r.contact_center_id,
    r.media_type,
    r.openmedia_type,
    r.state,
    r.user_data,
    r.received_date,
    r.received_at,
    r.capabilities,
    r.owner_user_id,
    r.workbin_id,
    r.workbin_owner,
    r.extra,
    r.invited_user_id,
    r.queue_name,
    r.invited_by_user_id,
  ]
}

function sameRow<T extends object>(a: T, b: T): boolean {
  return (Object.keys(b) as (keyof T)[]).every((k) => a[k] === b[k])
}
