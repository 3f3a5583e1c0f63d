// What the nodes of a cluster tell each other over the bus (docs/cluster.md). Every message is
// a hint or a command about memory only: the truth (log, sessions, subscriptions) is in
// PostgreSQL, so a lost message costs a delay, never data.

import type { WorkbinInstance } from '../model.ts'

export type BusMessage =
  /** Entries were committed for these users and workbin instances: wake the ones here. */
  | { t: 'wake'; users: string[]; instances: WorkbinInstance[] }
  /**
   * The node `from` resumed this CometD session: others drop their copy, unless they took it
   * with a higher `take` (the store's number of that restore; absent from older nodes).
   */
  | { t: 'taken'; clientId: string; take?: number }
  /**
   * Answer to `taken`: the sender dropped its copy of this session (no ack extension), whose
   * last connect reply had brought the client to `position`; the taker starts from there.
   */
  | { t: 'released'; clientId: string; position: number }
  /** The session's Bayeux subscriptions changed here: its holder reloads them. */
  | { t: 'changed'; clientId: string }
  /**
   * The user's subscriptions changed: nodes where the user is present add or remove these
   * instances in their index (`on`), or, without them, read the subscriptions again.
   */
  | { t: 'subs'; userId: string; instances?: WorkbinInstance[]; on?: boolean }
  /** End every CometD session of the user (EndContactCenterSession, disconnectUser). */
  | { t: 'end'; userId: string }
  /** End the CometD sessions opened with this HTTP session (logout). */
  | { t: 'logout'; httpSessionId: string }
  /** The sender could not publish for a while: every node catches its users up from the log. */
  | { t: 'resync' }
  /** A session of browser `key` long-polls on the sender (for `ttl` ms unless said again). */
  | { t: 'held'; key: string; clientId: string; ttl: number }
  /** That session ended on the sender. */
  | { t: 'unheld'; key: string; clientId: string }
  /** A login failed on the sender: every node's throttle counts it (docs/security.md). */
  | { t: 'loginFailed'; name: string; address: string }

/** What travels: the sender's node id with one or more messages. */
export interface BusEnvelope {
  from: string
  m: BusMessage[]
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string')
}

function isInstance(v: unknown): v is WorkbinInstance {
  if (typeof v !== 'object' || v === null) return false
  const o = v as Record<string, unknown>
  return typeof o.workbinId === 'string' && typeof o.owner === 'string'
}

function valid(m: unknown): m is BusMessage {
  if (typeof m !== 'object' || m === null) return false
  const o = m as Record<string, unknown>
  switch (o.t) {
    case 'wake':
      return isStringArray(o.users) && Array.isArray(o.instances) && o.instances.every(isInstance)
    case 'taken':
      return (
        typeof o.clientId === 'string' &&
        (o.take === undefined || (typeof o.take === 'number' && Number.isFinite(o.take)))
      )
    case 'released':
      return (
        typeof o.clientId === 'string' &&
        typeof o.position === 'number' &&
        Number.isSafeInteger(o.position) &&
        o.position >= 0
      )
    case 'changed':
      return typeof o.clientId === 'string'
    case 'subs':
      return (
        typeof o.userId === 'string' &&
        (o.instances === undefined ||
          (Array.isArray(o.instances) &&
            o.instances.every(isInstance) &&
            typeof o.on === 'boolean'))
      )
    case 'end':
      return typeof o.userId === 'string'
    case 'logout':
      return typeof o.httpSessionId === 'string'
    case 'resync':
      return true
    case 'held':
      return (
        typeof o.key === 'string' &&
        typeof o.clientId === 'string' &&
        typeof o.ttl === 'number' &&
        Number.isFinite(o.ttl) &&
        o.ttl > 0
      )
    case 'unheld':
      return typeof o.key === 'string' && typeof o.clientId === 'string'
    case 'loginFailed':
      return typeof o.name === 'string' && typeof o.address === 'string'
    default:
      return false
  }
}

/** The envelope in a bus message, or undefined when it is not one (ignored, never thrown). */
export function parseEnvelope(text: string): BusEnvelope | undefined {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof v !== 'object' || v === null) return undefined
  const o = v as Record<string, unknown>
  if (typeof o.from !== 'string' || !Array.isArray(o.m)) return undefined
  // A message of a type this node does not know comes from a newer node (a rolling upgrade):
  // skipped, so the known ones sent with it (a wake) still count. A known type that is
  // malformed makes the whole envelope suspect: ignored.
  const known = o.m.filter((m) => !fromNewerNode(m))
  if (!known.every(valid)) return undefined
  return { from: o.from, m: known }
}

// A record, so that the compiler requires every type here.
const TYPE_LIST: Record<BusMessage['t'], true> = {
  wake: true,
  taken: true,
  released: true,
  changed: true,
  subs: true,
  end: true,
  logout: true,
  resync: true,
  held: true,
  unheld: true,
  loginFailed: true,
}
const TYPES: ReadonlySet<string> = new Set(Object.keys(TYPE_LIST))

/** An object with a string type `t` this node does not know. */
function fromNewerNode(m: unknown): boolean {
  if (typeof m !== 'object' || m === null) return false
  const t = (m as Record<string, unknown>).t
  return typeof t === 'string' && !TYPES.has(t)
}
