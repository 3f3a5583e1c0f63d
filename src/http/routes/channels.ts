// GET /api/v2/me/channels, POST /api/v2/me/channels/{channel} (Ready / NotReady) and
// GET /api/v2/settings/agent-states. The rules are in src/workbins/channels.ts.

import type { FastifyInstance } from 'fastify'
import { errors } from '../../errors.ts'
import { agentStateMenu, changeChannelState, channelResource } from '../../workbins/channels.ts'
import { callerOf } from '../context.ts'
import { forRequest, type RouteDeps } from '../deps.ts'
import { getAgentStates, getChannels, postChannel } from '../schemas/account.ts'
import { operationOf } from './operation-body.ts'

export async function channelRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get('/me/channels', { schema: getChannels }, async (request) => {
    const { user, contactCenter } = callerOf(request)
    const channels = await deps.store.listChannels(user.id)
    return { statusCode: 0, channels: channels.map((c) => channelResource(contactCenter, c)) }
  })

  app.post<{ Params: { channel: string } }>(
    '/me/channels/:channel',
    { schema: postChannel },
    async (request) => {
      const { user, contactCenter } = callerOf(request)
      const { operationName, body } = operationOf(request.body)
      if (operationName !== 'Ready' && operationName !== 'NotReady') {
        throw errors.invalid(`Unknown operationName ${operationName} for /me/channels`)
      }
      const reason = body.reasonCode
      await changeChannelState(
        forRequest(deps, request),
        user,
        contactCenter,
        request.params.channel,
        operationName,
        typeof reason === 'string' && reason !== '' ? reason : null,
      )
      return { statusCode: 0 }
    },
  )

  app.get('/settings/agent-states', { schema: getAgentStates }, async (request) => {
    const { contactCenter } = callerOf(request)
    return { statusCode: 0, settings: agentStateMenu(contactCenter) }
  })
}
