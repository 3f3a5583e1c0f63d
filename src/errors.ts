// The one catalogue of GWS status codes (GWS 8.5 ReturnValues) and the one mapping from
// statusCode to HTTP status (docs/api.md, Conventions). Routes throw GwsError; the HTTP error
// handler turns it into `{"statusCode":N,"statusMessage":"..."}` with the mapped HTTP status.

export const StatusCode = {
  OK: 0,
  MISSING_PARAMETER: 1,
  INVALID_PARAMETER: 2,
  FORBIDDEN: 3,
  INTERNAL: 4,
  NO_PERMISSION: 5,
  NOT_FOUND: 6,
  PARTIAL_SUCCESS: 7,
  PASSWORD_CHANGE: 8,
  INCOMPLETE: 9,
  VALIDATION: 10,
  READ_ONLY: 11,
  RETRIEVE_FAILED: 12,
  CREATE_FAILED: 13,
  DELETE_FAILED: 14,
  UPDATE_FAILED: 15,
  ASSIGN_FAILED: 16,
  UNASSIGN_FAILED: 17,
  ALREADY_EXISTS: 18,
  IN_USE: 19,
  NOT_AUTHENTICATED: 20,
} as const

export type StatusCodeValue = (typeof StatusCode)[keyof typeof StatusCode]

/** docs/api.md, Conventions: 0→200; 1, 2, 10, 11→400; 3, 5→403; 6→404; 18, 19→409; 20→401; 4 and 12–17→500. */
export function httpStatusFor(code: number): number {
  switch (code) {
    case 0:
      return 200
    case 1:
    case 2:
    case 10:
    case 11:
      return 400
    case 3:
    case 5:
      return 403
    case 6:
      return 404
    case 18:
    case 19:
      return 409
    case 20:
      return 401
    default:
      return 500
  }
}

export class GwsError extends Error {
  readonly statusCode: number
  readonly httpStatus: number

  constructor(statusCode: StatusCodeValue, message: string, httpStatus?: number) {
    super(message)
    this.name = 'GwsError'
    this.statusCode = statusCode
    this.httpStatus = httpStatus ?? httpStatusFor(statusCode)
  }

  toBody(): { statusCode: number; statusMessage: string } {
    return { statusCode: this.statusCode, statusMessage: this.message }
  }
}

/**
 * HTTP 429 with `Retry-After` (RFC 6585 §4). GWS has no code for it. Too many failed logins
 * carry statusCode 20 (the credentials were not accepted, as for a wrong password); too many
 * requests by one user carry statusCode 4, as the other "try again" answers (503) do.
 */
export class ThrottledError extends GwsError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    statusCode: StatusCodeValue = StatusCode.NOT_AUTHENTICATED,
  ) {
    super(statusCode, message, 429)
    this.name = 'ThrottledError'
  }
}

export const errors = {
  missing: (what: string) =>
    new GwsError(StatusCode.MISSING_PARAMETER, `Missing required parameter: ${what}`),
  invalid: (message: string) => new GwsError(StatusCode.INVALID_PARAMETER, message),
  forbidden: (message: string) => new GwsError(StatusCode.FORBIDDEN, message),
  noPermission: (message = 'You do not have permission to perform this operation') =>
    new GwsError(StatusCode.NO_PERMISSION, message),
  notFound: (message: string) => new GwsError(StatusCode.NOT_FOUND, message),
  validation: (message: string) => new GwsError(StatusCode.VALIDATION, message),
  internal: (message = 'Internal error') => new GwsError(StatusCode.INTERNAL, message),
  conflict: (message: string) => new GwsError(StatusCode.ALREADY_EXISTS, message),
  inUse: (message: string) => new GwsError(StatusCode.IN_USE, message),
  /** A body that is not JSON is statusCode 1 like unparsable JSON, with HTTP 415 (RFC 9110 §15.5.16). */
  unsupportedMediaType: (contentType: string) =>
    new GwsError(
      StatusCode.MISSING_PARAMETER,
      contentType === ''
        ? 'Missing Content-Type; send application/json'
        : `Unsupported Content-Type ${JSON.stringify(contentType.slice(0, 100))}; send application/json`,
      415,
    ),
  unauthenticated: (message = 'User is not authenticated; send credentials') =>
    new GwsError(StatusCode.NOT_AUTHENTICATED, message),
}
