// The event loop's side of the content threads (docs/workbins-content.md "Whole content on a
// thread"). A 10,000-item workbin is 3.6 MB of JSON and about 100 ms of CPU to read and build;
// read in chunks on the event loop (content-chunks.ts) it no longer blocks other requests for
// long, but it still takes their CPU share and fills their heap with its garbage. Here it is read
// and built on a thread with its own read-only connection to the SQLite file, at a lower
// priority, and the event loop only writes the bytes. A thread that fails is not replaced: its
// requests, and every later one, are read on the event loop again (the caller's fallback).

import { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import type { CollectionText } from '../workbins/content-json.ts'
import type {
  WholeContent,
  WholeContentReader,
  WholeContentRequest,
} from '../workbins/content-reader.ts'
import type { FromThread, ThreadStart, ToThread } from './protocol.ts'

export interface ContentThreadsOptions {
  /** The SQLite database file. */
  file: string
  threads: number
  nice: number
  pageItems: number
  /** Bytes of memory each thread shares with the event loop for the replies it builds. */
  sharedBytes: number
  /** Resolves once every commit made before the call is on disk. */
  durable: () => Promise<void>
  log: Logger
}

/** How long close() waits for a thread to finish its read before stopping it. */
const CLOSE_WAIT_MS = 5000

/** Pieces written to the socket one at a time (views, not copies). */
const WRITE_PIECE = 64 * 1024

interface Job {
  id: number
  request: WholeContentRequest
  resolve(value: WholeContent | undefined): void
}

class Thread {
  readonly worker: Worker
  readonly queue: Job[] = []
  current: Job | undefined
  lost = false

  readonly shared: SharedArrayBuffer

  constructor(
    start: ThreadStart,
    private readonly durable: () => Promise<void>,
    private readonly log: Logger,
  ) {
    this.shared = start.shared
    this.worker = startWorker(start)
    this.worker.unref()
    this.worker.on('message', (m: FromThread) => this.#message(m))
    this.worker.on('error', (err) => this.#lose(err.message))
    this.worker.on('exit', (code) => this.#lose(`exited with code ${code}`))
  }

  get load(): number {
    return this.queue.length + (this.current ? 1 : 0)
  }

  submit(job: Job): void {
    this.queue.push(job)
    this.#next()
  }

  close(): Promise<void> {
    if (this.lost) return Promise.resolve()
    this.lost = true // its exit is expected now
    for (const j of this.queue.splice(0)) j.resolve(undefined)
    this.current?.resolve(undefined)
    this.current = undefined
    return new Promise((resolve) => {
      // A thread stuck in a read is stopped rather than waited for.
      const stop = setTimeout(() => void this.worker.terminate(), CLOSE_WAIT_MS)
      this.worker.once('exit', () => {
        clearTimeout(stop)
        resolve()
      })
      this.#post({ type: 'close' })
    })
  }

  #post(m: ToThread): void {
    this.worker.postMessage(m)
  }

  #next(): void {
    if (this.current || this.lost) return
    const job = this.queue.shift()
    if (!job) return
    this.current = job
    this.#post({ type: 'read', id: job.id, request: job.request })
  }

  #message(m: FromThread): void {
    if (m.type === 'fatal') {
      this.#lose(m.message)
      return
    }
    const job = this.current
    if (!job || job.id !== m.id) return
    if (m.type === 'pinned') {
      // The snapshot may hold commits not yet flushed: let it be read once they are on disk.
      this.durable().then(
        () => this.#post({ type: 'go', id: m.id }),
        // The store cannot flush: no read can be answered (the event loop's read says why).
        () => {
          this.#post({ type: 'cancel', id: m.id })
          this.#finish(undefined)
        },
      )
      return
    }
    if (m.type === 'failed') {
      this.log.warn(
        { reason: m.message },
        'a whole-content read failed on its thread; read on the event loop',
      )
      this.#finish(undefined)
      return
    }
    const out: Record<string, CollectionText> = {}
    for (const c of m.collections) {
      const all = c.text
        ? Buffer.from(c.text.buffer, c.text.byteOffset, c.text.byteLength)
        : Buffer.from(this.shared, c.offset, c.length)
      const pieces: Buffer[] = []
      for (let at = 0; at < all.length; at += WRITE_PIECE) {
        pieces.push(all.subarray(at, at + WRITE_PIECE))
      }
      out[c.key] = { pieces, bytes: all.length }
    }
    let release = () => {}
    const region = m.region
    if (region !== undefined) {
      release = () => {
        release = () => {}
        // A thread that is gone no longer needs it back.
        if (!this.lost) this.#post({ type: 'release', offset: region })
      }
    }
    // An empty content needs no memory: it counts as shared.
    const shared = m.collections.every((c) => c.text === undefined)
    this.#finish({ parts: out, shared, release: () => release() })
  }

  #finish(value: WholeContent | undefined): void {
    const job = this.current
    this.current = undefined
    job?.resolve(value)
    this.#next()
  }

  #lose(reason: string): void {
    if (this.lost) return
    this.lost = true
    this.log.error(
      { reason },
      'a content thread stopped; the whole-content reads it would take run on the event loop',
    )
    this.current?.resolve(undefined)
    this.current = undefined
    for (const j of this.queue.splice(0)) j.resolve(undefined)
  }
}

/**
 * worker.js next to this file (dist/); under tsx (src/, .ts) the thread first registers tsx's
 * loader, which a worker thread does not inherit from `--import tsx`.
 */
function startWorker(workerData: ThreadStart): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./worker.js', import.meta.url), { workerData })
  }
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'))
  const entry = JSON.stringify(new URL('./worker.ts', import.meta.url).href)
  const source = `import(${tsx}).then((api) => { api.register(); return import(${entry}) })`
  return new Worker(source, { eval: true, workerData })
}

export class ContentThreads implements WholeContentReader {
  /** Started at the first read: a server that never serves a whole content has none. */
  #threads: Thread[] | undefined
  #ids = 0
  /**
   * Reads answered by a thread (`sharedMemory` of them built in the memory shared with the event
   * loop, the others in memory of their own), and reads handed back to the event loop.
   */
  readonly stats = { threadReads: 0, sharedMemory: 0, fallbacks: 0 }

  constructor(private readonly options: ContentThreadsOptions) {}

  /**
   * The instance's whole content as JSON text per collection, or undefined when no thread could
   * read it (the caller reads it on the event loop).
   */
  async read(request: WholeContentRequest): Promise<WholeContent | undefined> {
    this.#threads ??= this.#start()
    let best: Thread | undefined
    for (const t of this.#threads) if (!t.lost && (!best || t.load < best.load)) best = t
    if (!best) {
      this.stats.fallbacks++
      return undefined
    }
    const chosen = best
    const value = await new Promise<WholeContent | undefined>((resolve) =>
      chosen.submit({ id: ++this.#ids, request, resolve }),
    )
    if (value) {
      this.stats.threadReads++
      if (value.shared) this.stats.sharedMemory++
    } else this.stats.fallbacks++
    return value
  }

  async close(): Promise<void> {
    const threads = this.#threads ?? []
    this.#threads = [] // later reads: on the event loop
    await Promise.all(threads.map((t) => t.close()))
  }

  #start(): Thread[] {
    const { file, nice, pageItems, durable, log, sharedBytes } = this.options
    return Array.from(
      { length: this.options.threads },
      () =>
        new Thread(
          { file, nice, pageItems, shared: new SharedArrayBuffer(sharedBytes) },
          durable,
          log,
        ),
    )
  }
}
