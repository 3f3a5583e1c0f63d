// A small hand-built provisioning plan for store tests (independent of src/provision, so any
// adapter's contract run needs nothing but the Store port).

import type { Interaction, User } from '../../src/model.ts'
import type { ProvisionPlan } from '../../src/store/store.ts'

export const CC = '0851b5d7-1280-432c-9bb7-d22c2aeab2d5'
export const CC2 = '11111111-2222-4333-8444-555555555555'
export const AGENT1 = 'e6f2ad1b26ea4e9b8dd907eabe167522'
export const AGENT2 = 'a0000000000000000000000000000002'
export const SUP1 = 'a0000000000000000000000000000003'
export const OTHER = 'b0000000000000000000000000000001'
export const WB_AGENT = 'aee812a5-7396-4dd9-b180-230f1c1fb085'
export const WB_GROUP = '6c715fa9-de16-4d23-b07c-cbcb1caf3e07'
export const WB_OTHER = '99999999-9999-4999-8999-999999999999'
export const QUEUE_ID = '995655ec-81a5-46b0-82d0-3f2c5eca263d'

export function user(id: string, userName: string, cc = CC, extra: Partial<User> = {}): User {
  return {
    id,
    contactCenterId: cc,
    userName,
    passwordHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
    firstName: userName,
    lastName: 'Test',
    roles: ['agent'],
    place: null,
    ...extra,
  }
}

export function interaction(id: string, over: Partial<Interaction> = {}): Interaction {
  return {
    id,
    contactCenterId: CC,
    mediaType: 'workitem',
    openmediaType: null,
    state: 'InWorkbin',
    userData: { Workbin: 'testWorkbin' },
    receivedDate: '2016-04-08 15:05:57.000+0300',
    capabilities: [],
    location: { kind: 'workbin', workbinId: WB_AGENT, owner: AGENT1 },
    extra: {},
    ...over,
  }
}

export function basePlan(): ProvisionPlan {
  return {
    contactCenters: [
      {
        contactCenter: { id: CC, name: 'Demo', features: ['api-multimedia'] },
        placeGroups: [{ contactCenterId: CC, name: 'North' }],
        places: [{ contactCenterId: CC, name: 'Place_7001', placeGroups: ['North'] }],
        users: [
          user(AGENT1, 'agent1', CC, { place: 'Place_7001' }),
          user(AGENT2, 'agent2'),
          user(SUP1, 'sup1', CC, { roles: ['supervisor'] }),
        ],
        agentGroups: [
          { contactCenterId: CC, name: 'Sales', members: [AGENT1, AGENT2], supervisors: [SUP1] },
        ],
        workbins: [
          {
            id: WB_AGENT,
            contactCenterId: CC,
            workbinName: 'testWorkbin',
            displayName: 'Test',
            type: 'Agent',
          },
          {
            id: WB_GROUP,
            contactCenterId: CC,
            workbinName: 'groupWb',
            displayName: 'Group',
            type: 'AgentGroup',
          },
        ],
        queues: [
          { id: QUEUE_ID, contactCenterId: CC, name: 'Inbound', description: '', channel: 'chat' },
        ],
        interactions: [interaction('0001BaBFVPR20035', { mediaType: 'chat' })],
      },
      {
        contactCenter: { id: CC2, name: 'Other', features: [] },
        placeGroups: [],
        places: [],
        users: [user(OTHER, 'other1', CC2)],
        agentGroups: [],
        workbins: [
          {
            id: WB_OTHER,
            contactCenterId: CC2,
            workbinName: 'otherWb',
            displayName: 'Other',
            type: 'Agent',
          },
        ],
        interactions: [],
      },
    ],
  }
}
