// The provisioning document as a TypeBox schema. Every object is closed
// (`additionalProperties: false`): an unknown key is an error that names its path.
// docs/provisioning.md documents each key; keep the two in step.

import { type Static, Type } from '@sinclair/typebox'
import { AGENT_STATE_NAMES, MEDIA_TYPES, ROLES, WORKBIN_TYPES } from '../model.ts'

const closed = { additionalProperties: false } as const

/** `hint` is what a value must be; the validator quotes it when a pattern does not match. */
function str(pattern: string, hint: string) {
  return Type.String({ pattern, hint })
}

function oneOf<T extends string>(values: readonly T[]) {
  return Type.Union(values.map((v) => Type.Literal(v)))
}

const Name = Type.String({ minLength: 1, maxLength: 255 })
const Names = Type.Array(Name, { uniqueItems: true })

export const USER_ID_PATTERN = '^[0-9a-f]{32}$'
export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
export const INTERACTION_ID_PATTERN = '^[0-9A-Za-z]{16}$'
export const RECEIVED_DATE_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}[+-]\\d{4}$'

const UserId = str(USER_ID_PATTERN, '32 lower-case hex characters')
const Uuid = str(UUID_PATTERN, 'a lower-case UUID')
const InteractionId = str(INTERACTION_ID_PATTERN, '16 characters [0-9A-Za-z]')

export const PlaceGroupDoc = Type.Object({ name: Name }, closed)

export const PlaceDoc = Type.Object({ name: Name, placeGroups: Type.Optional(Names) }, closed)

export const UserDoc = Type.Object(
  {
    id: UserId,
    userName: Name,
    password: Type.Optional(Type.String({ minLength: 1 })),
    passwordHash: Type.Optional(Type.String({ minLength: 1 })),
    firstName: Type.Optional(Type.String()),
    lastName: Type.Optional(Type.String()),
    roles: Type.Optional(Type.Array(oneOf(ROLES), { uniqueItems: true })),
    place: Type.Optional(Type.Union([Name, Type.Null()])),
  },
  closed,
)

export const AgentGroupDoc = Type.Object(
  { name: Name, members: Type.Optional(Names), supervisors: Type.Optional(Names) },
  closed,
)

export const WorkbinDoc = Type.Object(
  {
    id: Uuid,
    workbinName: Name,
    displayName: Type.Optional(Type.String()),
    type: oneOf(WORKBIN_TYPES),
  },
  closed,
)

export const QueueDoc = Type.Object(
  {
    id: Uuid,
    name: Name,
    description: Type.Optional(Type.String()),
    channel: Type.Optional(Type.String()),
  },
  closed,
)

export const InteractionWorkbinDoc = Type.Object(
  {
    id: Uuid,
    user: Type.Optional(Name),
    place: Type.Optional(Name),
    agentGroup: Type.Optional(Name),
    placeGroup: Type.Optional(Name),
  },
  closed,
)

const UserDataValue = Type.Union([Type.String(), Type.Number(), Type.Null()])

export const InteractionDoc = Type.Object(
  {
    id: InteractionId,
    mediaType: oneOf(MEDIA_TYPES),
    openmediaType: Type.Optional(Name),
    state: Type.Optional(Type.String({ minLength: 1 })),
    capabilities: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true })),
    userData: Type.Optional(Type.Record(Type.String(), UserDataValue)),
    receivedDate: Type.Optional(
      str(RECEIVED_DATE_PATTERN, 'a date like "2016-04-08 15:05:57.000+0300"'),
    ),
    owner: Type.Optional(Name),
    workbin: Type.Optional(InteractionWorkbinDoc),
    extra: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  closed,
)

export const REASON_CODE_PATTERN = '^[A-Za-z0-9_.-]{1,64}$'

export const AgentStateDoc = Type.Object(
  {
    state: oneOf(AGENT_STATE_NAMES),
    displayName: Type.String({ minLength: 1, maxLength: 255 }),
    reasonCode: Type.Optional(str(REASON_CODE_PATTERN, '1 to 64 characters [A-Za-z0-9_.-]')),
  },
  closed,
)

export const ContactCenterDoc = Type.Object(
  {
    id: Uuid,
    name: Name,
    features: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true })),
    agentStates: Type.Optional(Type.Array(AgentStateDoc, { maxItems: 100 })),
    placeGroups: Type.Optional(Type.Array(PlaceGroupDoc)),
    places: Type.Optional(Type.Array(PlaceDoc)),
    users: Type.Optional(Type.Array(UserDoc)),
    agentGroups: Type.Optional(Type.Array(AgentGroupDoc)),
    workbins: Type.Optional(Type.Array(WorkbinDoc)),
    queues: Type.Optional(Type.Array(QueueDoc)),
    interactions: Type.Optional(Type.Array(InteractionDoc)),
  },
  closed,
)

export const ProvisionDocumentSchema = Type.Object(
  { contactCenters: Type.Array(ContactCenterDoc) },
  closed,
)

export type ProvisionDocument = Static<typeof ProvisionDocumentSchema>
export type ContactCenterDocument = Static<typeof ContactCenterDoc>
export type UserDocument = Static<typeof UserDoc>
export type InteractionDocument = Static<typeof InteractionDoc>
