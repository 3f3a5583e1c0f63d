// Command line: `workbins provision FILE [--db PATH]` (npm run provision -- FILE) and
// `workbins backup FILE [--db PATH]` (npm run backup -- FILE).
// Exit codes: 0 done, 1 the document or the database was refused (message names the path),
// 2 usage error.

import { isPostgresUrl, loadConfig } from './config.ts'
import {
  applyDocument,
  fingerprintFileFor,
  formatProgress,
  loadDocumentFile,
  progressReporter,
  ProvisionError,
  summarize,
} from './provision/index.ts'
import { openStore } from './store/open-store.ts'
import { backupSqlite } from './store/sqlite/index.ts'
import { redactDbUrl } from './store/store-errors.ts'

const USAGE = `usage: workbins provision FILE [--db PATH]
       workbins backup FILE [--db PATH]

  provision FILE   apply a provisioning document (docs/provisioning.md) to the database
  backup FILE      copy the SQLite database to the new FILE, also while the server runs
  --db PATH        SQLite file or postgres:// URL (default: WORKBINS_DB, else ./data/workbins.db)`

const COMMANDS = ['provision', 'backup'] as const
/** How often the progress line is redrawn on a terminal, ms. */
const TTY_REDRAW_MS = 200

class UsageError extends Error {}

interface CliArgs {
  command: (typeof COMMANDS)[number]
  file: string
  db: string | undefined
}

function parseArgs(argv: string[]): CliArgs {
  const [command, ...rest] = argv
  if (!COMMANDS.includes(command as CliArgs['command'])) {
    throw new UsageError(
      command === undefined ? 'no command given' : `unknown command "${command}"`,
    )
  }
  let file: string | undefined
  let db: string | undefined
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string
    if (arg === '--db' || arg.startsWith('--db=')) {
      db = arg === '--db' ? rest[++i] : arg.slice('--db='.length)
      if (!db) throw new UsageError('--db needs a path')
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option "${arg}"`)
    } else if (file === undefined) {
      file = arg
    } else {
      throw new UsageError(`unexpected argument "${arg}"`)
    }
  }
  if (file === undefined) throw new UsageError(`${command} needs a FILE`)
  return { command: command as CliArgs['command'], file, db }
}

async function backup(args: CliArgs): Promise<string> {
  const config = loadConfig(process.env, args.db === undefined ? {} : { db: args.db })
  if (isPostgresUrl(config.db)) {
    throw new Error(
      `backup copies SQLite files only; for PostgreSQL (${redactDbUrl(config.db)}) use pg_dump (docs/operations.md)`,
    )
  }
  const r = await backupSqlite(config.db, args.file)
  return `backed up ${config.db} to ${args.file} (schema version ${r.schemaVersion}, ${r.pages} pages, integrity ok)`
}

async function provision(args: CliArgs): Promise<string> {
  const config = loadConfig(process.env, args.db === undefined ? {} : { db: args.db })
  const doc = await loadDocumentFile(args.file, { jsonMaxDepth: config.jsonMaxDepth })
  const store = openStore(config)
  // Progress on a terminal only (redrawn in place on stderr); logs and pipes get the summary line.
  const tty = process.stderr.isTTY === true
  const progress = progressReporter(TTY_REDRAW_MS, (s, final) => {
    if (tty && s.total > 0) process.stderr.write(`\r\x1b[K${formatProgress(s)}${final ? '\n' : ''}`)
  })
  try {
    await store.migrate()
    const result = await applyDocument(store, doc, {
      concurrency: config.provisionConcurrency,
      fingerprintFile: fingerprintFileFor(args.file, config.provisionFingerprints),
      jsonMaxDepth: config.jsonMaxDepth,
      maxHandledPerAgent: config.maxHandledPerAgent,
      onProgress: (done, total) => progress.update(done, total),
    })
    progress.finish()
    return `provisioned ${args.file} into ${redactDbUrl(config.db)}: ${summarize(result)}`
  } finally {
    await store.close()
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(USAGE)
    return 0
  }
  let args: CliArgs
  try {
    args = parseArgs(argv)
  } catch (err) {
    console.error(`workbins: ${(err as Error).message}\n${USAGE}`)
    return 2
  }
  try {
    console.log(await (args.command === 'backup' ? backup(args) : provision(args)))
    return 0
  } catch (err) {
    const message =
      err instanceof ProvisionError
        ? `invalid provisioning document: ${err.message}`
        : (err as Error).message
    console.error(`workbins: ${message}`)
    return 1
  }
}

process.exitCode = await main(process.argv.slice(2))
