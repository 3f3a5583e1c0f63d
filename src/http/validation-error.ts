// A failed schema validation answered in the GWS envelope: the codes clients already rely on
// (docs/api.md) — a missing body or operationName is 400 / 1, anything else 400 / 2.

import type { FastifyError, FastifyRequest } from 'fastify'
import type { GwsError } from '../errors.ts'
import { errors } from '../errors.ts'

interface AjvError {
  keyword: string
  instancePath: string
  message?: string
  params: Record<string, unknown>
}

/** The route as clients read it: `/users/{userId}/workbins/{id}`, without `/api/v2`. */
function routePath(request: FastifyRequest): string {
  return (request.routeOptions.url ?? request.url)
    .replace(/^\/api\/v2/, '')
    .replace(/:(\w+)/g, '{$1}')
}

export function validationError(error: FastifyError, request: FastifyRequest): GwsError {
  const first = (error.validation?.[0] ?? {}) as Partial<AjvError>
  const where = error.validationContext ?? 'body'
  if (where === 'body') {
    const body = request.body
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      return errors.missing('a JSON object body with operationName')
    }
    if (first.keyword === 'discriminator') {
      const name = (body as Record<string, unknown>).operationName
      if (name === undefined || name === null || name === '') return errors.missing('operationName')
      if (typeof name !== 'string') return errors.invalid('operationName must be a string')
      return errors.invalid(`Unknown operationName ${name} for ${routePath(request)}`)
    }
  }
  const path = (first.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.')
  const subject = path === '' ? `Parameter ${where}` : `Parameter ${path}`
  return errors.invalid(`${subject} ${first.message ?? 'is not valid'}`)
}
