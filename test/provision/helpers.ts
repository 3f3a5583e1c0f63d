// Shared helpers for provisioning tests: a small valid document and a store dump.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.ts'
import { rowOrder } from '../helpers/table-order.ts'

export const CC = '0851b5d7-1280-432c-9bb7-d22c2aeab2d5'
export const CC2 = '3f2b9c1e-7a6d-4e5f-8b0c-1d2e3f4a5b6c'
export const AGENT1 = 'e6f2ad1b26ea4e9b8dd907eabe167522'
export const AGENT2 = 'a0000000000000000000000000000002'
export const WB_AGENT = 'aee812a5-7396-4dd9-b180-230f1c1fb085'
export const WB_GROUP = '6c715fa9-de16-4d23-b07c-cbcb1caf3e07'
export const WB_PLACE = 'b3c1a2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d'
export const WB_PLACE_GROUP = '5d487e69-a393-4228-a06f-6a4015ab1b54'

/* eslint-disable @typescript-eslint/no-explicit-any -- tests mutate documents freely */
export type Doc = any

/** A fresh, valid document: cc[0] "Demo" with four users, cc[1] "Other" with one. */
export function baseDoc(): Doc {
  return {
    contactCenters: [
      {
        id: CC,
        name: 'Demo',
        features: ['api-multimedia'],
        placeGroups: [{ name: 'North' }],
        places: [{ name: 'Place_7001', placeGroups: ['North'] }, { name: 'Place_7002' }],
        users: [
          {
            id: AGENT1,
            userName: 'agent1',
            password: 'pw1',
            roles: ['agent'],
            place: 'Place_7001',
          },
          { id: AGENT2, userName: 'agent2', password: 'pw2' },
          {
            id: 'a0000000000000000000000000000003',
            userName: 'sup1',
            password: 'pw3',
            roles: ['supervisor'],
          },
          {
            id: 'a0000000000000000000000000000004',
            userName: 'admin1',
            password: 'pw4',
            roles: ['admin'],
            place: 'Place_7002',
          },
        ],
        agentGroups: [{ name: 'Sales', members: ['agent1', 'agent2'], supervisors: ['sup1'] }],
        workbins: [
          { id: WB_AGENT, workbinName: 'testWorkbin', displayName: 'Test Workbin', type: 'Agent' },
          { id: WB_GROUP, workbinName: 'groupWb', type: 'AgentGroup' },
          { id: WB_PLACE, workbinName: 'placeWb', type: 'Place' },
          { id: WB_PLACE_GROUP, workbinName: 'placeGroupWb', type: 'PlaceGroup' },
        ],
        interactions: [
          {
            id: '0001BaBFVPR20035',
            mediaType: 'chat',
            userData: { Subject: 'Hello' },
            receivedDate: '2016-04-08 15:05:57.000+0300',
            workbin: { id: WB_AGENT, user: 'agent1' },
          },
          { id: '02F0ASAK8EAFA00W', mediaType: 'workitem', owner: 'agent1' },
        ],
      },
      {
        id: CC2,
        name: 'Other',
        users: [{ id: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f00001', userName: 'other1', password: 'pw' }],
        workbins: [
          { id: '0e0e0e0e-0000-4000-8000-000000000001', workbinName: 'testWorkbin', type: 'Agent' },
        ],
      },
    ],
  }
}

const dir = mkdtempSync(join(tmpdir(), 'workbins-provision-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

export function tempPath(name = 'db.sqlite'): string {
  return join(dir, `${++n}-${name}`)
}

/** A migrated store on a fresh SQLite file. */
export async function freshStore(): Promise<SqliteStore> {
  const store = createSqliteStore(tempPath())
  await store.migrate()
  return store
}

/** Every row of every table (but the migration log), to compare a store before and after. */
export function dump(store: SqliteStore): Record<string, unknown[]> {
  const tables = store.db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_migrations' ORDER BY name",
    )
    .pluck()
    .all() as string[]
  return Object.fromEntries(
    tables.map((t) => [
      t,
      store.db.prepare(`SELECT * FROM "${t}" ORDER BY ${rowOrder(store.db, t)}`).all(),
    ]),
  )
}
