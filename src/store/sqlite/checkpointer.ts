// Checkpoints of SQLite's write-ahead log, run on a thread of their own (docs/operations.md,
// "Durability and group commit"). By default SQLite checkpoints inside the COMMIT that takes
// the WAL past 1,000 pages: that COMMIT copies every page of the WAL into the database file and
// fsyncs both, on the thread that serves everything. A fan-out to 1,000 subscribers writes
// about 600 pages, so every second or third one stopped the server for that copy. Here the
// writing connection never checkpoints (`wal_autocheckpoint = 0`); a worker thread with its own
// connection runs `wal_checkpoint(PASSIVE)` when the commits pause (or after a bounded delay),
// which SQLite allows beside a writer
// (https://sqlite.org/wal.html#application_initiated_checkpoints). Durability does not change:
// a checkpoint only copies frames that are already in the WAL, and fsyncs the WAL first.

import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/** What one checkpoint reported (SQLite's `PRAGMA wal_checkpoint` row). */
export interface CheckpointResult {
  /** 1 when another checkpoint or a reader kept it from finishing (it copies what it can). */
  busy: number
  /** Frames in the WAL, and how many of them are now in the database file. */
  log: number
  checkpointed: number
}

export interface CheckpointStats {
  /** Checkpoints run, frames copied by them, and the last result. */
  runs: number
  framesCopied: number
  last: CheckpointResult | undefined
  /** The thread stopped for good: SQLite checkpoints in COMMIT again. */
  threadLost: boolean
}

// CommonJS, evaluated in the worker: the same text runs under tsx and from dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
// SQLite's errors do not cross to the parent as errors: their text is sent instead.
const text = (err) => String(err && err.message ? (err.code ? err.code + ': ' : '') + err.message : err)
let db
try {
  const Database = require(workerData.sqliteModule)
  db = new Database(workerData.path, { fileMustExist: true })
} catch (err) {
  parentPort.postMessage({ fatal: text(err) })
  parentPort.close()
}
if (db) parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close()
    parentPort.close()
    return
  }
  try {
    parentPort.postMessage({ ok: db.pragma('wal_checkpoint(PASSIVE)')[0] })
  } catch (err) {
    parentPort.postMessage({ error: text(err) })
  }
})
`

/** A pause in the commits this long lets a checkpoint start before `delayMs`. */
const QUIET_MS = 50

type Reply = { ok: CheckpointResult } | { error: string } | { fatal: string }

export class Checkpointer {
  #worker: Worker | undefined
  #timer: NodeJS.Timeout | undefined
  #running = false
  #closed = false
  /** Commits told of, and the count when the checkpoint under way began. */
  #commits = 0
  #commitsAtRun = 0
  #lastCommit = 0
  #closing: Promise<void> | undefined
  readonly stats: CheckpointStats = { runs: 0, framesCopied: 0, last: undefined, threadLost: false }

  /**
   * `path`: the database file. `delayMs`: the longest a commit waits for the checkpoint that
   * copies it (the commits of that while share it; see #schedule). `onFailure`: the thread could
   * not start or died; the caller lets SQLite checkpoint in COMMIT again. A checkpoint that
   * fails (an I/O error) is retried after the next commit, as SQLite's own would be; `onError`
   * is told.
   */
  constructor(
    private readonly path: string,
    private readonly delayMs: number,
    private readonly onFailure: (err: Error) => void,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  /** A transaction committed: checkpoint soon. */
  committed(): void {
    this.#commits++
    this.#lastCommit = performance.now()
    this.#schedule()
  }

  /**
   * Once the writer has been quiet for QUIET_MS, or at the latest `delayMs` after the first
   * commit waiting: a checkpoint's fsyncs slow the WAL fsync every answer waits for, so they
   * go between bursts of writes when there are any.
   */
  #schedule(): void {
    if (this.#timer || this.#running || this.#closed || this.stats.threadLost) return
    const since = performance.now()
    const wait = (ms: number) => {
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        const now = performance.now()
        const quietFor = now - this.#lastCommit
        const waited = now - since
        if (quietFor < QUIET_MS && waited < this.delayMs) {
          wait(Math.min(QUIET_MS - quietFor, this.delayMs - waited))
        } else {
          this.#run()
        }
      }, ms)
      this.#timer.unref()
    }
    wait(Math.min(QUIET_MS, this.delayMs))
  }

  #run(): void {
    if (this.#closed || this.stats.threadLost) return
    const worker = this.#worker ?? this.#start()
    if (!worker) return
    this.#running = true
    this.#commitsAtRun = this.#commits
    worker.postMessage('run')
  }

  #start(): Worker | undefined {
    try {
      const sqliteModule = createRequire(import.meta.url).resolve('better-sqlite3')
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { path: this.path, sqliteModule },
      })
      // The store's close() ends it; it never keeps the process alive by itself.
      worker.unref()
      worker.on('message', (reply: Reply) => this.#done(reply))
      worker.on('error', (err: unknown) =>
        this.#fail(
          err instanceof Error ? err : new Error(`the checkpoint thread failed: ${String(err)}`),
        ),
      )
      worker.on('exit', (code) => {
        if (!this.#closed) this.#fail(new Error(`the checkpoint thread exited (code ${code})`))
      })
      this.#worker = worker
      return worker
    } catch (err) {
      this.#fail(err as Error)
      return undefined
    }
  }

  #done(reply: Reply): void {
    this.#running = false
    if ('fatal' in reply) {
      this.#fail(new Error(`the checkpoint thread could not open the database: ${reply.fatal}`))
    } else if ('error' in reply) {
      this.onError(new Error(reply.error))
    } else {
      this.stats.runs++
      this.stats.last = reply.ok
      if (reply.ok.checkpointed > 0) this.stats.framesCopied += reply.ok.checkpointed
    }
    // Commits made while it ran (or a checkpoint a reader kept short) need another.
    if (this.#commits > this.#commitsAtRun || ('ok' in reply && reply.ok.busy)) this.#schedule()
  }

  #fail(err: Error): void {
    if (this.stats.threadLost || this.#closed) return
    this.stats.threadLost = true
    this.#running = false
    clearTimeout(this.#timer)
    this.#timer = undefined
    const worker = this.#worker
    this.#worker = undefined
    void worker?.terminate()
    this.onFailure(err)
  }

  /**
   * Stop: the checkpoint under way ends, then the thread's connection closes. Call before the
   * writing connection closes, so that the last close (which checkpoints and removes the WAL)
   * is the writer's.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    const worker = this.#worker
    this.#worker = undefined
    if (!worker) return
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    // Held open until then: the caller waits for this.
    worker.ref()
    worker.postMessage('close')
    await exited
  }
}
