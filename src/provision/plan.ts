// Turn a validated provisioning document into a ProvisionPlan for Store.applyProvisioning:
// names resolved to ids, passwords hashed, defaults filled in, interactions stamped.

import type {
  AgentStateDefinition,
  ContactCenter,
  Directory,
  Interaction,
  InteractionLocation,
  User,
  UserData,
} from '../model.ts'
import { hashPassword, verifyPassword } from '../store/password.ts'
import type { ProvisionPlan } from '../store/store.ts'
import { defaultCapabilities } from '../workbins/capabilities.ts'
import { formatReceivedDate } from '../workbins/dates.ts'
import type {
  ContactCenterDocument,
  InteractionDocument,
  ProvisionDocument,
  UserDocument,
} from './schema.ts'
import type { ExistingDirectories } from './validate.ts'

/**
 * `doc` must have passed validateDocument(doc, existing). `hashes` (user id → hash, from
 * resolvePasswords) spares the synchronous scrypt for the users it names.
 */
export function buildPlan(
  doc: ProvisionDocument,
  existing: ExistingDirectories,
  now: Date = new Date(),
  hashes: ReadonlyMap<string, string> = new Map(),
): ProvisionPlan {
  const receivedDate = formatReceivedDate(now)
  return {
    contactCenters: doc.contactCenters.map((cc) =>
      buildContactCenter(cc, existing.get(cc.id), receivedDate, hashes),
    ),
  }
}

function buildContactCenter(
  cc: ContactCenterDocument,
  dir: Directory | undefined,
  receivedDate: string,
  hashes: ReadonlyMap<string, string>,
): ProvisionPlan['contactCenters'][number] {
  const ccId = cc.id
  const storedUsers = new Map(dir?.users.map((u) => [u.id, u]))
  const users = (cc.users ?? []).map((u) =>
    buildUser(ccId, u, storedUsers.get(u.id), hashes.get(u.id)),
  )

  const userIdByName = new Map(dir?.users.map((u) => [u.userName, u.id]))
  // A renamed user no longer answers to the stored name (looked up by id: linear).
  for (const u of users) {
    const old = storedUsers.get(u.id)?.userName
    if (old !== undefined && userIdByName.get(old) === u.id) userIdByName.delete(old)
  }
  for (const u of users) userIdByName.set(u.userName, u.id)
  const idOf = (userName: string) => userIdByName.get(userName) as string

  const workbins = (cc.workbins ?? []).map((w) => ({
    id: w.id,
    contactCenterId: ccId,
    workbinName: w.workbinName,
    displayName: w.displayName ?? w.workbinName,
    type: w.type,
  }))
  const queues = (cc.queues ?? []).map((q) => ({
    id: q.id,
    contactCenterId: ccId,
    name: q.name,
    description: q.description ?? '',
    channel: q.channel ?? '',
  }))
  const workbinById = new Map(dir?.workbins.map((w) => [w.id, w]))
  for (const w of workbins) workbinById.set(w.id, w)

  const interactions = (cc.interactions ?? []).map((x): Interaction => {
    const inWorkbin = x.workbin !== undefined
    let location: InteractionLocation
    const userData: UserData = { ...x.userData }
    if (x.workbin) {
      const wb = workbinById.get(x.workbin.id)!
      const owner = x.workbin.user !== undefined ? idOf(x.workbin.user) : ownerName(x.workbin)
      location = { kind: 'workbin', workbinId: wb.id, owner }
      // An interaction placed in a workbin carries Workbin (and WorkbinAgentId) in its userData
      // (docs/workbins-content.md).
      userData.Workbin = wb.workbinName
      if (wb.type === 'Agent') userData.WorkbinAgentId = owner
    } else {
      location = { kind: 'owner', userId: idOf(x.owner as string) }
    }
    return {
      id: x.id,
      contactCenterId: ccId,
      mediaType: x.mediaType,
      openmediaType: x.openmediaType ?? null,
      state: x.state ?? (inWorkbin ? 'InWorkbin' : 'Processing'),
      userData,
      receivedDate: x.receivedDate ?? receivedDate,
      capabilities: x.capabilities ?? (inWorkbin ? [] : defaultCapabilities(x.mediaType)),
      location,
      extra: { ...x.extra },
    }
  })

  return {
    contactCenter: {
      id: ccId,
      name: cc.name,
      // Absent features keep what the store has (so a partial document cannot switch them off).
      features: cc.features ?? dir?.contactCenter.features ?? [],
      // Absent agentStates keep what the store has too; [] removes them.
      ...agentStatesOf(cc.agentStates ?? dir?.contactCenter.agentStates),
    },
    placeGroups: (cc.placeGroups ?? []).map((g) => ({ contactCenterId: ccId, name: g.name })),
    places: (cc.places ?? []).map((p) => ({
      contactCenterId: ccId,
      name: p.name,
      placeGroups: p.placeGroups ?? [],
    })),
    users,
    agentGroups: (cc.agentGroups ?? []).map((g) => ({
      contactCenterId: ccId,
      name: g.name,
      members: (g.members ?? []).map(idOf),
      supervisors: (g.supervisors ?? []).map(idOf),
    })),
    workbins,
    queues,
    interactions,
  }
}

function ownerName(wb: NonNullable<InteractionDocument['workbin']>): string {
  return (wb.place ?? wb.agentGroup ?? wb.placeGroup) as string
}

function buildUser(
  ccId: string,
  u: UserDocument,
  stored: User | undefined,
  resolved: string | undefined,
): User {
  return {
    id: u.id,
    contactCenterId: ccId,
    userName: u.userName,
    passwordHash: resolved ?? passwordHashFor(u, stored),
    firstName: u.firstName ?? '',
    lastName: u.lastName ?? '',
    roles: u.roles ?? ['agent'],
    place: u.place ?? null,
  }
}

/**
 * Idempotence (docs/provisioning.md, Rules): keep the stored hash when it already verifies the
 * given password, so applying a document twice changes nothing. No password given: keep the
 * stored hash. applyDocument resolves plain passwords beforehand (passwords.ts); this is the
 * synchronous fallback for a plan built alone.
 */
function passwordHashFor(u: UserDocument, stored: User | undefined): string {
  if (u.passwordHash !== undefined) return u.passwordHash
  if (u.password === undefined) return stored!.passwordHash
  if (stored && verifyPassword(u.password, stored.passwordHash)) return stored.passwordHash
  return hashPassword(u.password)
}

/** The `agentStates` key of a ContactCenter: absent when there are none. */
function agentStatesOf(
  states: readonly AgentStateDefinition[] | undefined,
): Pick<ContactCenter, 'agentStates'> {
  if (!states || states.length === 0) return {}
  return {
    agentStates: states.map((a) => ({
      state: a.state,
      displayName: a.displayName,
      ...(a.reasonCode === undefined ? {} : { reasonCode: a.reasonCode }),
    })),
  }
}
