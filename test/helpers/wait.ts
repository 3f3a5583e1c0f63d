// Waiting for something to happen when no event announces it: poll a condition until it holds.

import assert from 'node:assert/strict'

/** Resolve once `cond()` is true; fail with `what` after `ms`. */
export async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms = 8000,
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
