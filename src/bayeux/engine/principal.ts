// Who a Bayeux session belongs to, as the application's `authenticate` resolved it.

export interface BayeuxPrincipal {
  userId: string
  contactCenterId: string
  /** The application's login this session belongs to, to end it with that login. */
  httpSessionId?: string | undefined
  /** An opaque stamp of the credentials it was opened with; the application ends sessions whose stamp went stale. */
  credential?: string | undefined
}
