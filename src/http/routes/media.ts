// The media resources of the agent's own interactions and the `uri` targets of interaction
// resources (src/workbins/media-views.ts holds the rules). Every route needs `api-multimedia`.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Interaction, MediaType } from '../../model.ts'
import { interactionAtUri, ownMediaItem, ownMediaList } from '../../workbins/media-views.ts'
import { MEDIA } from '../../workbins/resources.ts'
import { callerOf, featureGate } from '../context.ts'
import type { RouteDeps } from '../deps.ts'
import {
  OpenmediaItemParams,
  OpenmediaParams,
  PluralParams,
  mediaItem,
  mediaList,
} from '../schemas/media.ts'

// the feature gate runs as preValidation hook, before the schemas (404 / 6 first)
const preValidation = featureGate('api-multimedia')

type Query = Record<string, unknown>

const gatedUser = (request: FastifyRequest) => callerOf(request).user

/** The media whose `uri` is under `/me` (src/workbins/resources.ts interactionUri). */
const URI_UNDER_ME: ReadonlySet<MediaType> = new Set(['email', 'chat'])

export async function mediaRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const simple: [string, MediaType][] = [
    ['emails', 'email'],
    ['chats', 'chat'],
    ['workitems', 'workitem'],
    ['facebook', 'facebook'],
    ['tweets', 'tweet'],
    ['facebooksessions', 'facebooksession'],
  ]
  const atUri = (request: FastifyRequest, id: string, accept: (ix: Interaction) => boolean) =>
    interactionAtUri(deps, gatedUser(request), id, accept)

  for (const [segment, media] of simple) {
    app.get<{ Querystring: Query }>(
      `/me/${segment}`,
      { schema: mediaList(segment), preValidation },
      async (request) => ownMediaList(deps, gatedUser(request), media, request.query),
    )
    // `/me/emails/{id}` and `/me/chats/{id}` are also the `uri` of e-mails and chats (the GWS
    // samples use them), so they answer whoever may follow a uri; the others the handler only.
    const isUri = URI_UNDER_ME.has(media)
    app.get<{ Params: { id: string } }>(
      `/me/${segment}/:id`,
      {
        schema: mediaItem(
          isUri
            ? `One of the ${segment} the caller is handling, or may see (the uri of an interaction)`
            : `One of the ${segment} the caller is handling`,
          [MEDIA[media].single],
        ),
        preValidation,
      },
      async (request) =>
        isUri
          ? atUri(request, request.params.id, (ix) => ix.mediaType === media)
          : ownMediaItem(deps, gatedUser(request), media, request.params.id),
    )
  }

  // Open media: `/me/openmedia/{mediaType}` lists the caller's items of that open media type.
  app.get<{ Params: { mediaType: string }; Querystring: Query }>(
    '/me/openmedia/:mediaType',
    { schema: mediaList('openmedia/{mediaType}', OpenmediaParams), preValidation },
    async (request) =>
      ownMediaList(deps, gatedUser(request), 'openmedia', request.query, request.params.mediaType),
  )
  app.get<{ Params: { mediaType: string; id: string } }>(
    '/me/openmedia/:mediaType/:id',
    {
      schema: mediaItem(
        'One open media item the caller is handling',
        ['openmedia'],
        OpenmediaItemParams,
      ),
      preValidation,
    },
    async (request) =>
      ownMediaItem(
        deps,
        gatedUser(request),
        'openmedia',
        request.params.id,
        request.params.mediaType,
      ),
  )

  // The `uri` targets of interaction resources.
  app.get<{ Params: { id: string } }>(
    '/workitems/:id',
    { schema: mediaItem('A workitem (the uri of an interaction)', ['workitem']), preValidation },
    async (request) => atUri(request, request.params.id, (ix) => ix.mediaType === 'workitem'),
  )
  app.get<{ Params: { plural: string; id: string } }>(
    '/openmedia/:plural/:id',
    {
      schema: mediaItem(
        'An open media item (the uri of an interaction)',
        ['openmedia'],
        PluralParams,
      ),
      preValidation,
    },
    async (request) =>
      atUri(
        request,
        request.params.id,
        (ix) => ix.mediaType === 'openmedia' && `${ix.openmediaType}s` === request.params.plural,
      ),
  )
  app.get<{ Params: { id: string } }>(
    '/social-medias/:id',
    {
      schema: mediaItem('A social media item (the uri of an interaction)', [
        'facebook',
        'tweet',
        'facebooksession',
      ]),
      preValidation,
    },
    async (request) =>
      atUri(
        request,
        request.params.id,
        (ix) =>
          ix.mediaType === 'facebook' ||
          ix.mediaType === 'tweet' ||
          ix.mediaType === 'facebooksession',
      ),
  )
}
