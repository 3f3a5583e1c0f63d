import { randomBytes } from 'node:crypto'

/** 160 random bits, hex: alphanumeric and unguessable (clientIds, BAYEUX_BROWSER values). */
export function newId(): string {
  return randomBytes(20).toString('hex')
}
