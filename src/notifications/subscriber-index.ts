// Which users with a CometD session on this server subscribe to which workbin instance: a change
// to an instance wakes only them, so its cost does not grow with offline subscribers.

import type { WorkbinInstance } from '../model.ts'

export function instanceKey(i: WorkbinInstance): string {
  return `${i.workbinId}\u0000${i.owner}`
}

export class SubscriberIndex {
  readonly #byInstance = new Map<string, Set<string>>()
  readonly #byUser = new Map<string, Set<string>>()

  /** Replace what the index knows of one user's subscriptions. */
  set(userId: string, instances: readonly WorkbinInstance[]): void {
    this.drop(userId)
    const keys = new Set(instances.map(instanceKey))
    this.#byUser.set(userId, keys)
    for (const k of keys) {
      let users = this.#byInstance.get(k)
      if (!users) this.#byInstance.set(k, (users = new Set()))
      users.add(userId)
    }
  }

  add(userId: string, instance: WorkbinInstance): void {
    const keys = this.#byUser.get(userId)
    if (!keys) return // not present here: loaded when the user's first session appears
    const k = instanceKey(instance)
    keys.add(k)
    let users = this.#byInstance.get(k)
    if (!users) this.#byInstance.set(k, (users = new Set()))
    users.add(userId)
  }

  remove(userId: string, instance: WorkbinInstance): void {
    const k = instanceKey(instance)
    this.#byUser.get(userId)?.delete(k)
    const users = this.#byInstance.get(k)
    if (users?.delete(userId) && users.size === 0) this.#byInstance.delete(k)
  }

  drop(userId: string): void {
    const keys = this.#byUser.get(userId)
    if (!keys) return
    this.#byUser.delete(userId)
    for (const k of keys) {
      const users = this.#byInstance.get(k)
      if (users?.delete(userId) && users.size === 0) this.#byInstance.delete(k)
    }
  }

  has(userId: string): boolean {
    return this.#byUser.has(userId)
  }

  subscribers(instance: WorkbinInstance): ReadonlySet<string> | undefined {
    return this.#byInstance.get(instanceKey(instance))
  }
}
