// applyDocument: validate a provisioning document against the store, build the plan and apply
// it in one store transaction (all-or-nothing, idempotent: docs/provisioning.md, Rules).

import { availableParallelism } from 'node:os'
import type { Directory, Workbin, WorkbinType } from '../model.ts'
import type { ProvisionResult, Store } from '../store/store.ts'
import { Fingerprints } from './fingerprints.ts'
import { type PasswordStats, resolvePasswords, summarizePasswords } from './passwords.ts'
import { buildPlan } from './plan.ts'
import { type ProvisionIssue, ProvisionError } from './provision-error.ts'
import type { ProvisionDocument } from './schema.ts'
import { validateReferences, validateShape } from './validate.ts'
import { DEFAULT_MAX_HANDLED_PER_AGENT, handledLimitMessage } from '../workbins/handled-limit.ts'

/** The part of a pino logger provisioning uses. */
export interface ProvisionLog {
  info(obj: object, msg?: string): void
  warn?(obj: object, msg?: string): void
}

export interface ApplyOptions {
  log?: ProvisionLog | undefined
  /** scrypt computations in flight at once (WORKBINS_PROVISION_CONCURRENCY); 0 = automatic. */
  concurrency?: number | undefined
  /** Where password fingerprints are kept (docs/security.md); none when undefined. */
  fingerprintFile?: string | undefined
  /**
   * WORKBINS_MAX_HANDLED_PER_AGENT: a new interaction with an `owner` who would then handle
   * more is refused, naming its path (default DEFAULT_MAX_HANDLED_PER_AGENT).
   */
  maxHandledPerAgent?: number | undefined
  /** After each plain password is settled (the slow step). */
  onProgress?: ((done: number, total: number) => void) | undefined
  /** WORKBINS_JSON_MAX_DEPTH: how deeply an interaction may nest (validate.ts). */
  jsonMaxDepth?: number | undefined
}

export interface ApplyResult extends ProvisionResult {
  passwords: PasswordStats
}

export async function applyDocument(
  store: Store,
  doc: ProvisionDocument,
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const { log } = opts
  // callers may hand over anything typed as a document
  validateShape(doc, { jsonMaxDepth: opts.jsonMaxDepth })
  const existing = new Map<string, Directory>()
  for (const cc of doc.contactCenters) {
    const dir = await store.getDirectory(cc.id)
    if (dir) existing.set(cc.id, dir)
  }
  // Checked again with the store's objects, so names may refer to what is already stored.
  validateReferences(doc, existing)
  await checkAgainstStore(store, doc, opts.maxHandledPerAgent)
  const file = opts.fingerprintFile
  const fingerprints = file === undefined ? Fingerprints.empty() : await Fingerprints.load(file)
  const passwords = await resolvePasswords(doc, existing, {
    fingerprints,
    concurrency: opts.concurrency || defaultConcurrency(),
    onProgress: opts.onProgress,
  })
  const stored = await store.applyProvisioning(
    buildPlan(doc, existing, new Date(), passwords.hashes),
  )
  const result: ApplyResult = { ...stored, passwords: passwords.stats }
  fingerprints.replaceWith(passwords.fingerprints)
  if (file !== undefined && fingerprints.changed) {
    // Only a cache: failing to keep it makes the next apply slower, nothing else.
    await fingerprints.save(file).catch((err: unknown) => {
      log?.warn?.({ err, file }, 'cannot write the password fingerprints file')
    })
  }
  log?.info(
    {
      changed: result.changed,
      passwords: result.passwords,
      contactCenters: doc.contactCenters.map((c) => c.id),
    },
    summarize(result),
  )
  return result
}

/**
 * One scrypt per core, but no more than the libuv pool has threads (more would only queue
 * there, holding 16 MiB each, in front of the server's own file and DNS work).
 */
function defaultConcurrency(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4
  return Math.max(1, Math.min(availableParallelism(), pool))
}

/**
 * Ids and userNames owned by someone else in the store: a user id, workbin id or interaction id
 * of another contact center, or a userName (unique store-wide: Basic auth has no tenant) held
 * by another user. Also a stored workbin's type change while it holds content or subscriptions,
 * and new interactions that would give their `owner` more than `maxHandled` (counted with what
 * the store holds; an interaction already stored is left where it is and not counted again).
 */
export async function checkAgainstStore(
  store: Store,
  doc: ProvisionDocument,
  maxHandled = DEFAULT_MAX_HANDLED_PER_AGENT,
): Promise<void> {
  const issues: ProvisionIssue[] = []
  const others = (await store.listContactCenters()).map((c) => c.id)
  const dirs = new Map<string, Directory>()
  for (const id of others) {
    const dir = await store.getDirectory(id)
    if (dir) dirs.set(id, dir)
  }
  const storedWorkbins = new Map<string, Workbin>()
  for (const dir of dirs.values()) for (const w of dir.workbins) storedWorkbins.set(w.id, w)

  for (const [c, cc] of doc.contactCenters.entries()) {
    const base = `contactCenters[${c}]`
    const renamedHere = new Set((cc.users ?? []).map((u) => u.id))
    for (const [i, u] of (cc.users ?? []).entries()) {
      const byId = await store.getUser(u.id)
      if (byId && byId.contactCenterId !== cc.id) {
        issues.push({
          path: `${base}.users[${i}].id`,
          message: `user id already belongs to another contact center`,
        })
      }
      const byName = await store.getUserByName(u.userName)
      // Another user holds the name, unless this document renames that user too.
      if (
        byName &&
        byName.id !== u.id &&
        !(byName.contactCenterId === cc.id && renamedHere.has(byName.id))
      ) {
        issues.push({
          path: `${base}.users[${i}].userName`,
          message:
            byName.contactCenterId === cc.id
              ? `userName "${u.userName}" is already used by user ${byName.id}`
              : `userName "${u.userName}" is already used in another contact center`,
        })
      }
    }
    for (const [i, w] of (cc.workbins ?? []).entries()) {
      const stored = storedWorkbins.get(w.id)
      if (stored !== undefined && stored.contactCenterId !== cc.id) {
        issues.push({
          path: `${base}.workbins[${i}].id`,
          message: 'workbin id already belongs to another contact center',
        })
      } else if (stored !== undefined && stored.type !== w.type) {
        const refused = await retypeRefusal(store, stored, w.type)
        if (refused) issues.push({ path: `${base}.workbins[${i}].type`, message: refused })
      }
      const clash = dirs
        .get(cc.id)
        ?.workbins.find((s) => s.workbinName === w.workbinName && s.id !== w.id)
      if (clash && !(cc.workbins ?? []).some((d) => d.id === clash.id)) {
        issues.push({
          path: `${base}.workbins[${i}].workbinName`,
          message: `workbinName "${w.workbinName}" is already used by workbin ${clash.id}`,
        })
      }
    }
    const userIds = new Map((dirs.get(cc.id)?.users ?? []).map((u) => [u.userName, u.id]))
    for (const u of cc.users ?? []) userIds.set(u.userName, u.id)
    const handled = new Map<string, number>()
    const refused = new Set<string>() // one issue per owner: the first interaction beyond
    for (const [i, x] of (cc.interactions ?? []).entries()) {
      for (const other of others) {
        if (other !== cc.id && (await store.getInteraction(other, x.id))) {
          issues.push({
            path: `${base}.interactions[${i}].id`,
            message: 'interaction id already belongs to another contact center',
          })
        }
      }
      const ownerId = x.owner === undefined ? undefined : userIds.get(x.owner)
      if (ownerId === undefined || (await store.getInteraction(cc.id, x.id))) continue
      const count = (handled.get(ownerId) ?? (await store.countHandled(cc.id, ownerId))) + 1
      handled.set(ownerId, count)
      if (count > maxHandled && !refused.has(ownerId)) {
        refused.add(ownerId)
        issues.push({
          path: `${base}.interactions[${i}].owner`,
          message: handledLimitMessage(`user "${x.owner}" would handle`, count, maxHandled),
        })
      }
    }
  }
  if (issues.length > 0) throw new ProvisionError(issues)
}

/** What a workbin instance is named by, per type (the owner stored with its content). */
const INSTANCE_OWNER: Record<WorkbinType, string> = {
  Agent: 'user id',
  Place: 'place name',
  AgentGroup: 'agent group name',
  PlaceGroup: 'place group name',
}

/**
 * Why the stored workbin cannot take the new type, or undefined when it may: its interactions
 * and subscriptions keep the old type's instance owner, which the new type's lookups never match
 * (its content would vanish for every agent). An empty workbin with no subscriber may change.
 */
async function retypeRefusal(
  store: Store,
  stored: Workbin,
  type: WorkbinType,
): Promise<string | undefined> {
  const use = await store.workbinInUse(stored.contactCenterId, stored.id)
  const held = [
    use.interactions ? 'holds interactions' : '',
    use.subscriptions ? 'has subscriptions' : '',
  ].filter((x) => x !== '')
  if (held.length === 0) return undefined
  const by = (t: WorkbinType) => `${/^[AEIOU]/.test(t) ? 'an' : 'a'} ${t} workbin`
  return (
    `cannot change from ${stored.type} to ${type} while workbin "${stored.workbinName}"` +
    ` ${held.join(' and ')}: they are filed by ${INSTANCE_OWNER[stored.type]}, and` +
    ` ${by(type)} looks them up by ${INSTANCE_OWNER[type]}, so no one would find them again.` +
    ' Empty it first (pull or move its interactions out, and have its subscribers unsubscribe),' +
    ` or keep its type and create a new ${type} workbin (another id and workbinName)`
  )
}

/**
 * One line: what changed, e.g. `created or updated: 1 contactCenter, 5 users` or `nothing
 * changed`, then what became of the plain passwords when the document gave some.
 */
export function summarize(result: ProvisionResult | ApplyResult): string {
  const parts = Object.entries(result.changed)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${n === 1 ? singular(kind) : kind}`)
  const changed = parts.length === 0 ? 'nothing changed' : `created or updated: ${parts.join(', ')}`
  const passwords = 'passwords' in result ? summarizePasswords(result.passwords) : ''
  return passwords === '' ? changed : `${changed}; ${passwords}`
}

function singular(kind: string): string {
  return kind === 'contactCenters' ? 'contactCenter' : kind.replace(/s$/, '')
}
