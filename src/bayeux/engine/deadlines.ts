// Held-connect deadlines without a timer per held connect (a connect is held at most
// `timeout` ms). Entries with the same delay are appended to one intrusive doubly
// linked list, which is therefore in deadline order; each list has one node timer, set for
// its head. Adding or removing an entry allocates nothing and is O(1); a removed head just
// lets the list's timer fire early once and re-arm for the new head. Deadlines are exact
// (no coarse tick): a client `advice.timeout` of 500 ms gets its own list and timer.

/** The longest delay node's setTimeout takes. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** Links an entry carries (HeldConnect extends this). */
export interface Deadline {
  /** Epoch ms at which the entry expires. */
  deadline: number
  prev: Deadline | null
  next: Deadline | null
  /** The list it is in, null when not scheduled. */
  list: DeadlineList | null
}

export class DeadlineList {
  head: Deadline | null = null
  tail: Deadline | null = null
  timer: NodeJS.Timeout | undefined = undefined

  constructor(
    readonly owner: Deadlines,
    readonly delay: number,
  ) {}

  readonly fire = (): void => {
    this.timer = undefined
    this.owner.fire(this)
  }
}

export class Deadlines {
  readonly #lists = new Map<number, DeadlineList>()
  readonly #expire: (entry: Deadline) => void

  /** `expire` is called for each entry whose deadline passed, after it left its list. */
  constructor(expire: (entry: Deadline) => void) {
    this.#expire = expire
  }

  add(e: Deadline, delay: number, now: number): void {
    if (e.list) this.remove(e)
    let list = this.#lists.get(delay)
    if (!list) this.#lists.set(delay, (list = new DeadlineList(this, delay)))
    e.deadline = now + delay
    e.list = list
    e.next = null
    e.prev = list.tail
    if (list.tail) list.tail.next = e
    else list.head = e
    list.tail = e
    if (list.timer === undefined) this.#arm(list, now)
  }

  remove(e: Deadline): void {
    const list = e.list
    if (!list) return
    if (e.prev) e.prev.next = e.next
    else list.head = e.next
    if (e.next) e.next.prev = e.prev
    else list.tail = e.prev
    e.prev = e.next = null
    e.list = null
    if (list.head === null) this.#drop(list)
  }

  /** The list's timer fired: expire every due entry, re-arm for the next one. */
  fire(list: DeadlineList): void {
    const now = Date.now()
    let e = list.head
    while (e !== null && e.deadline <= now) {
      this.remove(e) // may drop the list; `expire` may add entries (to a new list then)
      this.#expire(e)
      e = list.head
    }
    if (list.head !== null && list.timer === undefined) this.#arm(list, now)
  }

  #arm(list: DeadlineList, now: number): void {
    const head = list.head as Deadline
    // setTimeout takes at most 2^31-1 ms (a longer delay fires after 1 ms, again and again).
    list.timer = setTimeout(list.fire, Math.min(MAX_TIMER_MS, Math.max(0, head.deadline - now)))
  }

  #drop(list: DeadlineList): void {
    if (list.timer !== undefined) clearTimeout(list.timer)
    list.timer = undefined
    if (this.#lists.get(list.delay) === list) this.#lists.delete(list.delay)
  }
}
