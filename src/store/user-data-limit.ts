// The most userData one interaction may hold (WORKBINS_USER_DATA_MAX_BYTES and
// WORKBINS_USER_DATA_MAX_KEYS, docs/interactions.md "userData"). AttachUserData and
// UpdateUserData merge into what is stored, and every message about an interaction carries
// all of its userData: unbounded, one agent could grow an interaction until each message about
// it is over a CometD session's queue limit, ending the session of everyone who hears of it.
// The stores check the merged result inside the transaction that writes it, so concurrent
// merges cannot pass the limit together.

import { errors } from '../errors.ts'
import { applyUserDataChange, type UserData, type UserDataChange } from '../model.ts'

export interface UserDataLimit {
  /** Most UTF-8 bytes of the userData as JSON (`{"key":"value",...}`). */
  maxBytes: number
  /** Most keys. */
  maxKeys: number
}

/**
 * 32 KiB, half of COMETD_MAX_MESSAGE_SIZE: a message about an interaction stays within what
 * this server accepts from a client in one message, and a session queue of the default
 * COMETD_MAX_QUEUE_BYTES (4 MiB) holds over a hundred of them. 500 keys: more than a desktop
 * shows, far fewer than 32 KiB of one-letter keys.
 */
export const DEFAULT_USER_DATA_LIMIT: Readonly<UserDataLimit> = { maxBytes: 32768, maxKeys: 500 }

/** How a Create's refusal names the interaction (checkUserDataLimit). */
export const NEW_INTERACTION = 'the new interaction'

/** UTF-8 bytes of `data` as JSON: what maxBytes counts. */
export function userDataBytes(data: UserData): number {
  return Buffer.byteLength(JSON.stringify(data))
}

/**
 * Refuses (400 / 10) userData over `limit`; `whose` names the interaction in the message:
 * `interaction <id>` for a stored one, `the new interaction` for a Create (its id, generated
 * or given, never exists when the Create is refused).
 */
export function checkUserDataLimit(whose: string, data: UserData, limit: UserDataLimit): void {
  const keys = Object.keys(data).length
  if (keys > limit.maxKeys) {
    throw errors.validation(
      `userData of ${whose} would have ${keys} keys, more than the ${limit.maxKeys} allowed (WORKBINS_USER_DATA_MAX_KEYS); nothing was changed`,
    )
  }
  const bytes = userDataBytes(data)
  if (bytes > limit.maxBytes) {
    throw errors.validation(
      `userData of ${whose} would be ${bytes} bytes of JSON, more than the ${limit.maxBytes} allowed (WORKBINS_USER_DATA_MAX_BYTES); nothing was changed`,
    )
  }
}

/**
 * The stored userData `current` with `change` applied, refused as checkUserDataLimit does when
 * the change sets keys. A change that only removes keys, or a move that leaves userData alone,
 * always passes: an interaction stored under an earlier, higher limit can still be trimmed,
 * moved and completed.
 */
export function limitedUserDataChange(
  id: string,
  current: UserData,
  change: UserDataChange,
  limit: UserDataLimit,
): UserData {
  const out = applyUserDataChange(current, change)
  if (Object.keys(change.set).length > 0) checkUserDataLimit(`interaction ${id}`, out, limit)
  return out
}
