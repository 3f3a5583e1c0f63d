// GET /api/v2/features and /api/v2/features/{id}: the caller's contact center's enabled
// features, with the GWS list conventions (uris without `fields`, objects with `fields=*`).

import type { FastifyInstance } from 'fastify'
import { errors } from '../../errors.ts'
import { callerOf } from '../context.ts'
import type { RouteDeps } from '../deps.ts'
import { listReply, parseFields } from '../../fields.ts'
import { getFeature, getFeatures } from '../schemas/account.ts'

export async function featureRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const resource = (id: string) => ({ id, name: id, uri: `${deps.publicUrl()}/features/${id}` })

  app.get<{ Querystring: { fields?: string } }>(
    '/features',
    { schema: getFeatures },
    async (request) => {
      const { contactCenter } = callerOf(request)
      return listReply(
        'features',
        contactCenter.features.map(resource),
        parseFields(request.query.fields),
      )
    },
  )

  app.get<{ Params: { id: string } }>('/features/:id', { schema: getFeature }, async (request) => {
    const { contactCenter } = callerOf(request)
    const id = request.params.id
    if (!contactCenter.features.includes(id)) throw errors.notFound(`Feature ${id} not found`)
    return { statusCode: 0, feature: resource(id) }
  })
}
