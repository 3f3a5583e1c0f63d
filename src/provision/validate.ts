// validateDocument: shape (TypeBox schema), formats, duplicates and references of a
// provisioning document (docs/provisioning.md). Names refer to objects of the same contact center,
// either in the document or already in the store (`existing`). Every problem is reported with
// the JSON path of the bad value; nothing is applied when there is one.

import { type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Value, type ValueError, ValueErrorType } from '@sinclair/typebox/value'
import { DEFAULT_JSON_MAX_DEPTH, formatJsonPath, tooDeep } from '../json-depth.ts'
import type { Directory, WorkbinType } from '../model.ts'
import { isPasswordHash } from '../store/password.ts'
import { receivedAtMs } from '../workbins/dates.ts'
import { type ProvisionIssue, ProvisionError, pointerToPath } from './provision-error.ts'
import {
  type ContactCenterDocument,
  type ProvisionDocument,
  ProvisionDocumentSchema,
} from './schema.ts'

/** What the store already holds, per contact center id (empty = validate as for an empty store). */
export type ExistingDirectories = ReadonlyMap<string, Directory>

/** The owner key an interaction's `workbin` must use for each workbin type. */
export const OWNER_KEY_BY_TYPE: Record<
  WorkbinType,
  'user' | 'place' | 'agentGroup' | 'placeGroup'
> = {
  Agent: 'user',
  Place: 'place',
  AgentGroup: 'agentGroup',
  PlaceGroup: 'placeGroup',
}
const OWNER_KEYS = ['user', 'place', 'agentGroup', 'placeGroup'] as const

export interface ValidateOptions {
  /**
   * WORKBINS_JSON_MAX_DEPTH: how deeply an interaction may nest objects and arrays, counted as
   * in a Create body (the interaction itself is 1); default DEFAULT_JSON_MAX_DEPTH.
   */
  jsonMaxDepth?: number | undefined
}

export function validateDocument(
  json: unknown,
  existing: ExistingDirectories = new Map(),
  opts: ValidateOptions = {},
): ProvisionDocument {
  const doc = validateShape(json, opts)
  validateReferences(doc, existing)
  return doc
}

/** Formats, duplicates and references of a document whose shape validateShape accepted. */
export function validateReferences(doc: ProvisionDocument, existing: ExistingDirectories): void {
  const issues: ProvisionIssue[] = []
  checkDocument(doc, existing, (path, message) => issues.push({ path, message }))
  if (issues.length > 0) throw new ProvisionError(issues)
}

// --- shape -------------------------------------------------------------------------------

/**
 * Only the schema (keys, types, formats) and how deep each interaction nests; validateDocument
 * adds duplicates and references.
 */
export function validateShape(json: unknown, opts: ValidateOptions = {}): ProvisionDocument {
  const issues = checkShape(json)
  if (issues.length > 0) throw new ProvisionError(issues)
  const doc = json as ProvisionDocument
  const deep = checkDepth(doc, opts.jsonMaxDepth ?? DEFAULT_JSON_MAX_DEPTH)
  if (deep.length > 0) throw new ProvisionError(deep)
  return doc
}

/**
 * Each interaction is held to the depth of a Create body, whose fields it has: `extra` is
 * free-form (the schema cannot bound it), and a value nested a few thousand deep would
 * overflow the stack where the store writes it or a reply carries it (src/json-depth.ts).
 * The path names the interaction's field (`….extra.deep`) holding the too-deep value.
 */
function checkDepth(doc: ProvisionDocument, max: number): ProvisionIssue[] {
  const issues: ProvisionIssue[] = []
  doc.contactCenters.forEach((cc, c) => {
    cc.interactions?.forEach((x, i) => {
      const path = tooDeep(x, max)
      if (path === undefined) return
      issues.push({
        path: formatJsonPath(path.slice(0, 2), `contactCenters[${c}].interactions[${i}]`),
        message: `nests objects and arrays more than ${max} levels deep, counting the interaction as 1 as a Create body counts itself (WORKBINS_JSON_MAX_DEPTH)`,
      })
    })
  })
  return issues
}

/** Compiled once: a valid document (the usual case, at every start) is checked in one pass. */
let compiled: ReturnType<typeof TypeCompiler.Compile<typeof ProvisionDocumentSchema>> | undefined

function checkShape(json: unknown): ProvisionIssue[] {
  compiled ??= TypeCompiler.Compile(ProvisionDocumentSchema)
  // Listing errors walks the document far more slowly (the scale bench's 10,000-user document:
  // ~270 ms against ~60 ms), so it runs only for a document that has some.
  if (compiled.Check(json)) return []
  const seen = new Set<string>()
  const issues: ProvisionIssue[] = []
  for (const e of Value.Errors(ProvisionDocumentSchema, json)) {
    const path = pointerToPath(e.path)
    if (seen.has(path)) continue // one message per value: the first is the most specific
    seen.add(path)
    issues.push({ path, message: describe(e) })
  }
  return issues
}

function describe(e: ValueError): string {
  const schema = e.schema as TSchema & { anyOf?: TSchema[]; hint?: string }
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return 'unknown key'
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required'
    case ValueErrorType.StringPattern:
      return `must be ${schema.hint ?? `a string matching ${String(schema.pattern)}`}`
    case ValueErrorType.ArrayUniqueItems:
      return 'must not repeat a value'
    case ValueErrorType.Union: {
      const consts = (schema.anyOf ?? []).map((s) => s.const as unknown)
      if (consts.length > 0 && consts.every((c) => typeof c === 'string')) {
        return `must be one of ${consts.join(', ')}`
      }
      const types = (schema.anyOf ?? []).map((s) => String(s.type ?? 'value'))
      return `must be ${types.slice(0, -1).join(', ')}${types.length > 1 ? ' or ' : ''}${types.at(-1)}`
    }
    default:
      return e.message.charAt(0).toLowerCase() + e.message.slice(1)
  }
}

// --- meaning -----------------------------------------------------------------------------

type Report = (path: string, message: string) => void

function checkDocument(
  doc: ProvisionDocument,
  existing: ExistingDirectories,
  report: Report,
): void {
  const ccIds = new Map<string, number>()
  const userIds = new Map<string, string>()
  const userNames = new Map<string, string>()
  const workbinIds = new Map<string, string>()
  const interactionIds = new Map<string, string>()
  const queueIds = new Map<string, string>()
  const once = (seen: Map<string, string>, key: string, path: string, what: string) => {
    const first = seen.get(key)
    if (first !== undefined) report(path, `duplicate ${what} "${key}" (first at ${first})`)
    else seen.set(key, path)
  }

  doc.contactCenters.forEach((cc, c) => {
    const base = `contactCenters[${c}]`
    if (ccIds.has(cc.id)) report(`${base}.id`, `duplicate contact center id "${cc.id}"`)
    ccIds.set(cc.id, c)
    cc.users?.forEach((u, i) => {
      once(userIds, u.id, `${base}.users[${i}].id`, 'user id')
      once(userNames, u.userName, `${base}.users[${i}].userName`, 'userName')
    })
    cc.workbins?.forEach((w, i) =>
      once(workbinIds, w.id, `${base}.workbins[${i}].id`, 'workbin id'),
    )
    cc.queues?.forEach((q, i) => once(queueIds, q.id, `${base}.queues[${i}].id`, 'queue id'))
    cc.interactions?.forEach((x, i) =>
      once(interactionIds, x.id, `${base}.interactions[${i}].id`, 'interaction id'),
    )
    checkContactCenter(cc, base, existing.get(cc.id), report)
  })
}

function checkContactCenter(
  cc: ContactCenterDocument,
  base: string,
  dir: Directory | undefined,
  report: Report,
): void {
  // Names visible in this contact center: the document's, then the store's.
  const placeGroups = new Set(dir?.placeGroups.map((g) => g.name))
  const places = new Set(dir?.places.map((p) => p.name))
  const agentGroups = new Set(dir?.agentGroups.map((g) => g.name))
  const users = new Map(dir?.users.map((u) => [u.userName, u.id]))
  const storedUserIds = new Set(dir?.users.map((u) => u.id))
  const workbins = new Map<string, WorkbinType>(dir?.workbins.map((w) => [w.id, w.type]))

  const unique = (names: string[], path: (i: number) => string, what: string) => {
    const seen = new Set<string>()
    names.forEach((n, i) => {
      if (seen.has(n)) report(path(i), `duplicate ${what} "${n}"`)
      seen.add(n)
    })
  }
  unique(
    (cc.placeGroups ?? []).map((g) => g.name),
    (i) => `${base}.placeGroups[${i}].name`,
    'place group',
  )
  unique(
    (cc.places ?? []).map((p) => p.name),
    (i) => `${base}.places[${i}].name`,
    'place',
  )
  unique(
    (cc.agentGroups ?? []).map((g) => g.name),
    (i) => `${base}.agentGroups[${i}].name`,
    'agent group',
  )
  unique(
    (cc.workbins ?? []).map((w) => w.workbinName),
    (i) => `${base}.workbins[${i}].workbinName`,
    'workbinName',
  )
  unique(
    (cc.queues ?? []).map((q) => q.name),
    (i) => `${base}.queues[${i}].name`,
    'queue name',
  )

  const stateKeys = new Set<string>()
  cc.agentStates?.forEach((a, i) => {
    const path = `${base}.agentStates[${i}]`
    if (a.state !== 'NotReady' && a.reasonCode !== undefined) {
      report(`${path}.reasonCode`, 'is allowed only when state is NotReady')
    }
    const key = `${a.state}/${a.reasonCode ?? ''}`
    if (stateKeys.has(key)) {
      report(
        path,
        a.reasonCode === undefined
          ? `duplicate agent state "${a.state}"`
          : `duplicate reasonCode "${a.reasonCode}"`,
      )
    }
    stateKeys.add(key)
  })

  cc.placeGroups?.forEach((g) => placeGroups.add(g.name))
  cc.places?.forEach((p) => places.add(p.name))
  cc.agentGroups?.forEach((g) => agentGroups.add(g.name))
  // A user renamed by the document no longer answers to the stored name (by id: linear).
  const storedNameById = new Map(dir?.users.map((u) => [u.id, u.userName]))
  for (const u of cc.users ?? []) {
    const old = storedNameById.get(u.id)
    if (old !== undefined && users.get(old) === u.id) users.delete(old)
  }
  cc.users?.forEach((u) => users.set(u.userName, u.id))
  cc.workbins?.forEach((w) => workbins.set(w.id, w.type))

  cc.places?.forEach((p, i) =>
    p.placeGroups?.forEach((g, j) => {
      if (!placeGroups.has(g))
        report(`${base}.places[${i}].placeGroups[${j}]`, `unknown place group "${g}"`)
    }),
  )

  cc.users?.forEach((u, i) => {
    const path = `${base}.users[${i}]`
    if (u.place != null && !places.has(u.place))
      report(`${path}.place`, `unknown place "${u.place}"`)
    if (u.password !== undefined && u.passwordHash !== undefined) {
      report(`${path}.passwordHash`, 'give either password or passwordHash, not both')
    } else if (u.passwordHash !== undefined && !isPasswordHash(u.passwordHash)) {
      report(`${path}.passwordHash`, 'must be a hash in the form scrypt$N$r$p$saltB64$hashB64')
    } else if (
      u.password === undefined &&
      u.passwordHash === undefined &&
      !storedUserIds.has(u.id)
    ) {
      report(`${path}.password`, 'is required for a new user')
    }
  })

  cc.agentGroups?.forEach((g, i) => {
    for (const key of ['members', 'supervisors'] as const) {
      g[key]?.forEach((name, j) => {
        if (!users.has(name))
          report(`${base}.agentGroups[${i}].${key}[${j}]`, `unknown user "${name}"`)
      })
    }
  })

  cc.interactions?.forEach((x, i) => {
    const path = `${base}.interactions[${i}]`
    if (x.mediaType === 'openmedia' && x.openmediaType === undefined) {
      report(`${path}.openmediaType`, 'is required when mediaType is openmedia')
    } else if (x.mediaType !== 'openmedia' && x.openmediaType !== undefined) {
      report(`${path}.openmediaType`, 'is allowed only when mediaType is openmedia')
    }
    if (x.receivedDate !== undefined && Number.isNaN(receivedAtMs(x.receivedDate))) {
      report(`${path}.receivedDate`, `is not a valid date: "${x.receivedDate}"`)
    }
    if ((x.owner === undefined) === (x.workbin === undefined)) {
      report(path, 'needs exactly one of "owner" (a userName) or "workbin"')
      return
    }
    if (x.owner !== undefined) {
      if (!users.has(x.owner)) report(`${path}.owner`, `unknown user "${x.owner}"`)
      return
    }
    const wb = x.workbin!
    const given = OWNER_KEYS.filter((k) => wb[k] !== undefined)
    const type = workbins.get(wb.id)
    if (type === undefined) {
      report(`${path}.workbin.id`, `unknown workbin "${wb.id}" in this contact center`)
      return
    }
    const want = OWNER_KEY_BY_TYPE[type]
    if (given.length !== 1 || given[0] !== want) {
      report(
        `${path}.workbin`,
        `${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type} workbin needs exactly the owner key "${want}"`,
      )
      return
    }
    const name = wb[want] as string
    const known =
      want === 'user'
        ? users.has(name)
        : want === 'place'
          ? places.has(name)
          : want === 'agentGroup'
            ? agentGroups.has(name)
            : placeGroups.has(name)
    if (!known)
      report(`${path}.workbin.${want}`, `unknown ${want === 'user' ? 'user' : want} "${name}"`)
  })
}
