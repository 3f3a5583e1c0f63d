// Process entry: config → buildApp → listen → one ready line; graceful close on SIGTERM/SIGINT.

import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import { unknownSettings } from './config-unknown.ts'
import { ProvisionError } from './provision/index.ts'
import { redactDbUrl, StoreOpenError } from './store/store-errors.ts'

async function main(): Promise<void> {
  const config = loadConfig()
  const app = await buildApp(config)
  for (const { name, suggestions } of unknownSettings(process.env)) {
    app.log.warn(
      { variable: name, didYouMean: suggestions },
      'unknown WORKBINS_ variable ignored (docs/configuration.md lists the settings)',
    )
  }
  let base: string
  try {
    base = await app.listen()
  } catch (err) {
    // Nothing is served: stop what buildApp started, whose timers would keep the process alive.
    await app.close().catch(() => {})
    throw err
  }
  // The one ready line (README, Quick start): it names the URL the server listens on.
  process.stdout.write(
    `workbins ready: ${base}${'/api/v2'} (db ${redactDbUrl(config.db)}, cometd ${base}/api/v2/notifications)\n`,
  )

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    app.log.info({ signal }, 'shutting down')
    app
      .close()
      .then(() => {
        app.log.info('stopped')
        process.exitCode = 0
      })
      .catch((err: unknown) => {
        app.log.error({ err }, 'shutdown failed')
        process.exitCode = 1
      })
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

main().catch((err: unknown) => {
  if (
    err instanceof ConfigError ||
    err instanceof ProvisionError ||
    err instanceof StoreOpenError
  ) {
    process.stderr.write(`workbins: ${err.message}\n`)
  } else {
    process.stderr.write(
      `workbins: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
    )
  }
  process.exitCode = 1
})
