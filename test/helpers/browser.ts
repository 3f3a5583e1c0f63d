// Chromium for the browser tests: Debian's package driven by playwright-core. Without it a
// developer gets a skip; CI installs it (.ci/run), so there the tests must run.

import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** The `skip` option of a browser suite: a reason when Chromium is missing outside CI. */
export const browserSkip: string | false =
  !existsSync(CHROMIUM) && process.env.CI !== 'true'
    ? `${CHROMIUM} is missing: apt-get install -y chromium`
    : false

/** A headless Chromium with the flags every suite needs, plus `extraArgs`. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', ...extraArgs],
  })
}
