// The `provision` command (src/cli.ts, and bin/workbins.js running the build in dist/), run as a
// child process on temp files.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { createPgStore } from '../../src/store/postgres/index.ts'
import { createSqliteStore } from '../../src/store/sqlite/index.ts'
import { buildDist } from '../helpers/build.ts'
import { createTestDatabase, postgresSkipReason } from '../helpers/postgres.ts'
import { baseDoc, tempPath } from './helpers.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
// Asked before any test runs: the tests below block the event loop (spawnSync).
const pgSkip = await postgresSkipReason()

function run(
  args: string[],
  env: Record<string, string> = {},
  entry = ['--import', 'tsx', 'src/cli.ts'],
) {
  const r = spawnSync(process.execPath, [...entry, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function docFile(mutate: (d: ReturnType<typeof baseDoc>) => void = () => {}): string {
  const file = tempPath('doc.json')
  const doc = baseDoc()
  mutate(doc)
  writeFileSync(file, JSON.stringify(doc))
  return file
}

describe('workbins provision', () => {
  it('applies a document, prints one summary line, and reports nothing changed the second time', async () => {
    const db = tempPath('cli/nested/db.sqlite')
    const file = docFile()
    const first = run(['provision', file, '--db', db])
    assert.equal(first.code, 0, first.stderr)
    const lines = first.stdout.trim().split('\n')
    assert.equal(lines.length, 1, first.stdout)
    assert.match(lines[0]!, /created or updated: 2 contactCenters, 1 placeGroup, 2 places, 5 users/)
    assert.ok(existsSync(db))

    const second = run(['provision', file, `--db=${db}`])
    assert.equal(second.code, 0, second.stderr)
    assert.match(second.stdout, /nothing changed/)

    const store = createSqliteStore(db)
    try {
      assert.equal((await store.getUserByName('agent1'))?.id, 'e6f2ad1b26ea4e9b8dd907eabe167522')
    } finally {
      await store.close()
    }
  })

  it('takes the database from WORKBINS_DB by default', () => {
    const db = tempPath('env.sqlite')
    const r = run(['provision', docFile()], { WORKBINS_DB: db })
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.stdout.includes(db))
    assert.ok(existsSync(db))
  })

  it('exits 1 with the path of the bad value, and changes nothing', async () => {
    const db = tempPath('bad.sqlite')
    const file = docFile((d) => (d.contactCenters[0].users[3].place = 'Nowhere'))
    const r = run(['provision', file, '--db', db])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /contactCenters\[0\]\.users\[3\]\.place: unknown place "Nowhere"/)
    assert.equal(r.stdout, '')
    if (existsSync(db)) {
      const store = createSqliteStore(db)
      await store.migrate()
      assert.equal(await store.isEmpty(), true)
      await store.close()
    }
  })

  it('exits 1 on a file that is missing or not JSON', () => {
    const notJson = tempPath('x.json')
    writeFileSync(notJson, '{')
    assert.equal(run(['provision', notJson, '--db', tempPath()]).code, 1)
    const missing = run(['provision', tempPath('missing.json'), '--db', tempPath()])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /cannot read/)
  })

  it('exits 2 on usage errors', () => {
    for (const args of [
      [],
      ['serve-me'],
      ['provision'],
      ['provision', 'a.json', '--db'],
      ['provision', 'a.json', '--nope'],
      ['provision', 'a', 'b'],
    ]) {
      const r = run(args)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /usage: workbins provision FILE/)
    }
  })

  it(
    'shows progress (count, rate, ETA) on a terminal, and only the summary line otherwise',
    {
      skip: spawnSync('script', ['--version']).status === 0 ? false : 'needs util-linux `script`',
    },
    () => {
      const file = docFile()
      // Not a terminal: stdout is one summary line, stderr stays empty.
      const piped = run(['provision', file, '--db', tempPath()])
      assert.equal(piped.code, 0, piped.stderr)
      assert.equal(piped.stderr, '')
      assert.equal(piped.stdout.trim().split('\n').length, 1, piped.stdout)
      assert.match(piped.stdout, /passwords: 0 unchanged, 0 verified, 5 hashed$/m)

      // A pseudo-terminal (util-linux `script`): the progress line is drawn on stderr too.
      const cmd = [process.execPath, '--import', 'tsx', 'src/cli.ts', 'provision', file]
      const tty = spawnSync(
        'script',
        ['-qec', `${cmd.join(' ')} --db ${tempPath()}`, '/dev/null'],
        {
          cwd: root,
          encoding: 'utf8',
          timeout: 60_000,
        },
      )
      assert.equal(tty.status, 0, tty.stdout + tty.stderr)
      // Redrawn in place: carriage return, erase line, then count, rate and ETA.
      assert.ok(tty.stdout.includes('\r\u001b[Kpasswords 5/5 (100%)'), JSON.stringify(tty.stdout))
      assert.match(tty.stdout, /passwords 5\/5 \(100%\) {2}\d+\/s {2}ETA 0s\r?\n/)
      assert.match(tty.stdout, /provisioned .*passwords: 0 unchanged, 0 verified, 5 hashed/)
    },
  )

  it('re-applies an unchanged document by fingerprint, kept beside the document', () => {
    const db = tempPath('fp.sqlite')
    const file = docFile()
    assert.equal(run(['provision', file, '--db', db]).code, 0)
    assert.ok(existsSync(`${file}.fingerprints`))
    const again = run(['provision', file, '--db', db])
    assert.match(again.stdout, /nothing changed; passwords: 5 unchanged, 0 verified, 0 hashed/)
    const off = run(['provision', file, '--db', db], { WORKBINS_PROVISION_FINGERPRINTS: 'off' })
    assert.match(off.stdout, /nothing changed; passwords: 0 unchanged, 5 verified, 0 hashed/)
  })

  it('runs through bin/workbins.js too (the build, with plain node)', async () => {
    await buildDist()
    const r = run(['provision', docFile(), '--db', tempPath()], {}, ['bin/workbins.js'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /created or updated/)
  })
})

describe('workbins provision on PostgreSQL', { skip: pgSkip }, () => {
  it('applies a document to a postgres:// --db and prints the URL without its password', async () => {
    const database = await createTestDatabase()
    try {
      const url = new URL(database.url)
      url.password = 'not-needed-with-trust'
      const file = docFile()
      const first = run(['provision', file, '--db', url.toString()])
      assert.equal(first.code, 0, first.stderr)
      assert.match(
        first.stdout,
        /into postgres:\/\/postgres:\*\*\*@.*created or updated: 2 contactCenters/,
      )
      assert.equal(first.stdout.includes('not-needed-with-trust'), false)
      const second = run(['provision', file], { WORKBINS_DB: database.url })
      assert.equal(second.code, 0, second.stderr)
      assert.match(second.stdout, /nothing changed/)
      const store = createPgStore(database.url, { poolSize: 1, statementTimeoutMs: 5000 })
      try {
        assert.equal((await store.listContactCenters()).length, 2)
      } finally {
        await store.close()
      }
    } finally {
      await database.drop()
    }
  })

  it('exits 1 with one line when the database cannot be reached', () => {
    const r = run(['provision', docFile(), '--db', 'postgres://wb:pw@127.0.0.1:1/none'])
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /^workbins: WORKBINS_DB=postgres:\/\/wb:\*\*\*@127\.0\.0\.1:1\/none: cannot connect to PostgreSQL: .*\n$/,
    )
  })
})
