// Media channels and agent state per channel (docs/api.md "Channels and agent states").
// StartContactCenterSession names the channels the agent works on (`channels`); each one is
// Ready or NotReady (with an optional reason), set by POST /me/channels/{channel}, kept in the
// store (so every node sees it) and announced with a ChannelStateChangeMessage on
// /v2/me/channels. The agent state menu a desktop shows comes from the contact center's
// provisioned agent states (GET /settings/agent-states).

import { errors } from '../errors.ts'
import type {
  AgentStateDefinition,
  AgentStateName,
  ChannelState,
  ContactCenter,
  User,
} from '../model.ts'
import type { Store } from '../store/store.ts'
import type { WorkbinDeps } from './operation.ts'

/** The CometD channel of ChannelStateChangeMessage. */
export const CHANNELS_CHANNEL = '/v2/me/channels'

/** A channel name: what desktops send (`chat`, `email`, `workitem`, `voice`, an open media type). */
const CHANNEL_NAME = /^[A-Za-z0-9_.-]{1,64}$/

/** One entry of the agent state menu, as GET /settings/agent-states lists it. */
export interface AgentStateEntry {
  /** `Ready`, `NotReady`, or `NotReady.<reasonCode>`: stable across restarts. */
  id: string
  state: AgentStateName
  displayName: string
  /** What to POST to /me/channels/{channel}: `{"operationName": ..., "reasonCode": ...}`. */
  operationName: AgentStateName
  reasonCode?: string
}

const BUILT_IN: AgentStateDefinition[] = [
  { state: 'Ready', displayName: 'Ready' },
  { state: 'NotReady', displayName: 'Not Ready' },
]

/** The contact center's menu: built-in Ready and NotReady (renamable), then NotReady reasons. */
export function agentStateMenu(cc: ContactCenter): AgentStateEntry[] {
  const provisioned = cc.agentStates ?? []
  const entry = (d: AgentStateDefinition): AgentStateEntry => ({
    id: d.reasonCode === undefined ? d.state : `${d.state}.${d.reasonCode}`,
    state: d.state,
    displayName: d.displayName,
    operationName: d.state,
    ...(d.reasonCode === undefined ? {} : { reasonCode: d.reasonCode }),
  })
  const plain = BUILT_IN.map(
    (b) => provisioned.find((p) => p.state === b.state && p.reasonCode === undefined) ?? b,
  )
  return [...plain, ...provisioned.filter((p) => p.reasonCode !== undefined)].map(entry)
}

/** A channel as GET /me/channels and the messages show it. */
export function channelResource(cc: ContactCenter, c: ChannelState) {
  const menu = agentStateMenu(cc)
  const match =
    menu.find((e) => e.state === c.state && e.reasonCode === (c.reasonCode ?? undefined)) ??
    menu.find((e) => e.state === c.state && e.reasonCode === undefined)
  return {
    channel: c.channel,
    userState: {
      id: match?.id ?? c.state,
      state: c.state,
      displayName: match?.displayName ?? c.state,
      ...(c.reasonCode === null ? {} : { reasonCode: c.reasonCode }),
    },
  }
}

/**
 * The `channels` of StartContactCenterSession: a list of distinct channel names, at most
 * `maxChannelsPerUser`. Invalid input is 400 / 2 and changes nothing.
 */
export function parseSessionChannels(raw: unknown, max: number): string[] {
  if (!Array.isArray(raw)) throw errors.invalid('channels must be an array of channel names')
  const names: string[] = []
  for (const c of raw) {
    if (typeof c !== 'string' || !CHANNEL_NAME.test(c)) {
      throw errors.invalid(`Invalid channel name ${JSON.stringify(c)}`)
    }
    if (!names.includes(c)) names.push(c)
  }
  if (names.length > max) throw errors.invalid(`At most ${max} channels per session`)
  return names
}

/** Record the session's channels (kept ones keep their state; new ones start NotReady). */
export async function startChannels(
  deps: Pick<WorkbinDeps, 'store'>,
  user: User,
  channels: readonly string[],
): Promise<ChannelState[]> {
  return deps.store.setChannels(user.id, channels, Date.now())
}

/**
 * POST /me/channels/{channel} `Ready` / `NotReady` (+ optional `reasonCode`). The channel must be
 * one of the session's (404 / 6 otherwise); a reasonCode must be one of the contact center's
 * NotReady reasons (400 / 2). The ChannelStateChangeMessage goes out after the store changed.
 */
export async function changeChannelState(
  deps: WorkbinDeps,
  user: User,
  cc: ContactCenter,
  channel: string,
  state: AgentStateName,
  reasonCode: string | null,
): Promise<void> {
  if (reasonCode !== null) {
    if (state !== 'NotReady') throw errors.invalid('reasonCode is allowed only with NotReady')
    const known = (cc.agentStates ?? []).some(
      (a) => a.state === 'NotReady' && a.reasonCode === reasonCode,
    )
    if (!known) throw errors.invalid(`Unknown NotReady reasonCode ${reasonCode}`)
  }
  const changed = await deps.store.setChannelState(user.id, channel, state, reasonCode, Date.now())
  if (!changed) {
    throw errors.notFound(
      `Channel ${channel} is not in the contact center session (StartContactCenterSession channels)`,
    )
  }
  deps.notifier.deliverToUser(user.id, CHANNELS_CHANNEL, {
    messageType: 'ChannelStateChangeMessage',
    notificationType: 'StateChange',
    channels: [channelResource(cc, changed)],
  })
  deps.log.info({ userId: user.id, channel, state, reasonCode }, 'channel state changed')
}

/**
 * Is the user Ready on this media channel now? Read from the store, so the answer is the same on
 * every node. False when the user has no such channel or no live HTTP session.
 */
export async function isReadyOn(
  store: Pick<Store, 'listChannels'>,
  userId: string,
  channel: string,
): Promise<boolean> {
  const channels = await store.listChannels(userId)
  return channels.some((c) => c.channel === channel && c.state === 'Ready')
}
