// Errors a store raises when its database cannot be reached. HTTP answers the first with 503 in
// the GWS envelope (RFC 9110 §15.6.4: a temporary condition); the process entry prints the
// second as one line and exits.

import { GwsError, StatusCode } from '../errors.ts'

/** The database went away while running; the request changed nothing and may be retried. */
export class StoreUnavailableError extends GwsError {
  constructor(readonly detail: string) {
    super(StatusCode.INTERNAL, 'The database is unavailable; retry later', 503)
    this.name = 'StoreUnavailableError'
  }
}

/** The database could not be opened at start (down, wrong URL, refused credentials). */
export class StoreOpenError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StoreOpenError'
  }
}

/** A database URL with the password replaced by `***`, for logs and messages. */
export function redactDbUrl(db: string): string {
  if (!/^postgres(ql)?:\/\//i.test(db)) return db
  try {
    const u = new URL(db)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return db
  }
}
