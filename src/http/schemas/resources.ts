// The resources replies carry (docs/workbins-content.md "Interaction resources", docs/api.md):
// named components of the OpenAPI document, registered with the app (src/http/server.ts).

import { Type, type TSchema } from '@sinclair/typebox'
import { MEDIA_TYPES } from '../../model.ts'
import { MEDIA } from '../../workbins/resources.ts'
import { ErrorEnvelope, StringEnum } from './common.ts'

const UserData = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Number(), Type.Null()]),
  { description: 'flat map of string to string, number or null' },
)

const typeFields = Object.fromEntries(
  MEDIA_TYPES.flatMap((m) => {
    const f = MEDIA[m].typeField
    return f === undefined
      ? []
      : [[f, Type.Optional(Type.String({ description: 'Inbound unless created otherwise' }))]]
  }),
)

const interactionProperties = {
  id: Type.String({ description: 'the interaction id (16 characters [0-9A-Za-z])' }),
  mediaType: Type.Optional(Type.String({ description: 'open media only: the open media type' })),
  ...typeFields,
  state: Type.String({ description: 'Processing, InWorkbin, Invited, Queued or Completed' }),
  capabilities: Type.Array(Type.String(), {
    description: 'the operations its handler may send now; [] for anybody else',
  }),
  participants: Type.Optional(Type.Array(Type.Unknown(), { description: 'chats' })),
  receivedDate: Type.String({ description: 'yyyy-MM-dd HH:mm:ss.SSS±HHmm' }),
  userData: UserData,
  uri: Type.String({ format: 'uri' }),
}

/** An interaction as GWS media resources show it; media fields given at creation besides. */
export const Interaction = Type.Object(interactionProperties, {
  $id: 'Interaction',
  additionalProperties: true,
})

/** An interaction of a list: with `fields=a,b` only those fields. */
export const InteractionFields = Type.Partial(Type.Object(interactionProperties), {
  $id: 'InteractionFields',
  additionalProperties: true,
})

const workbinProperties = {
  workbinName: Type.String(),
  id: Type.String({ description: 'UUID' }),
  displayName: Type.String(),
  uri: Type.String({ format: 'uri', description: 'always …/workbins/{id}' }),
  type: StringEnum(['Agent', 'Place', 'AgentGroup', 'PlaceGroup']),
}

/** A workbin definition; with `fields=a,b` only those fields. */
export const WorkbinFields = Type.Partial(Type.Object(workbinProperties), {
  $id: 'WorkbinFields',
  additionalProperties: false,
})

/** The collections of workbin content: one array per media asked for. */
const contentProperties = Object.fromEntries(
  MEDIA_TYPES.map((m) => [MEDIA[m].collection, Type.Optional(Type.Array(Type.Ref('Interaction')))]),
)

/** A workbin instance with the content asked for (`subresources=`). */
export const WorkbinContent = Type.Object(
  { ...workbinProperties, ...contentProperties },
  { $id: 'WorkbinContent', additionalProperties: false },
)

/** The collections of `…/workbins/{id}/{mediaType}`: items trimmed by `fields=`. */
export const contentCollections = Object.fromEntries(
  MEDIA_TYPES.map((m) => [
    MEDIA[m].collection,
    Type.Optional(Type.Array(Type.Ref('InteractionFields'))),
  ]),
)

export const NextCursor = Type.Optional(
  Type.String({ description: 'extension: the cursor of the next page, when more items follow' }),
)

/** Every named component, for app.addSchema. */
export const SHARED_SCHEMAS: TSchema[] = [
  ErrorEnvelope,
  Interaction,
  InteractionFields,
  WorkbinFields,
  WorkbinContent,
]
