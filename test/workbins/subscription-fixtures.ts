// The provisioning document (contract §7) of the subscription tests: who may use what is
// explicit here, so the permission matrix of the tests reads against it.
//
// Contact center A (api-multimedia):
//   place groups North, South; places P1 (North), P2 (South), P3 (North)
//   agent1  agent, place P1, member of Sales
//   agent2  agent, place P2, member of Support          (not supervised by sup1)
//   agent3  agent, no place, member of Sales
//   sup1    agent + supervisor, place P3, supervises Sales
//   admin1  admin; api1 apiuser
//   workbins: Agent (the seed's id), Agent2 (the seed's second id), Place, AgentGroup, PlaceGroup
// Contact center B (api-multimedia): agentB, adminB, one Agent workbin of its own.
// Contact center C (no api-multimedia): agentC, one Agent workbin of its own.

export const PASSWORD = 'pw-subscriptions-1'

export const CC_A = '0851b5d7-1280-432c-9bb7-d22c2aeab2d5'
export const CC_B = '0851b5d7-1280-432c-9bb7-d22c2aeab2d6'
export const CC_C = '0851b5d7-1280-432c-9bb7-d22c2aeab2d7'

export const U = {
  agent1: 'e6f2ad1b26ea4e9b8dd907eabe167522',
  agent2: 'e6f2ad1b26ea4e9b8dd907eabe167523',
  agent3: 'e6f2ad1b26ea4e9b8dd907eabe167524',
  sup1: '5a000000000000000000000000000001',
  admin1: 'ad000000000000000000000000000001',
  api1: 'a9000000000000000000000000000001',
  agentB: 'bb000000000000000000000000000001',
  adminB: 'bb000000000000000000000000000002',
  agentC: 'cc000000000000000000000000000001',
} as const

export type UserName = keyof typeof U

/** Interactions agent1 owns at start (workitems). */
export const IX = ['0001SubTest00001', '0001SubTest00002', '0001SubTest00003'] as const

export const WB = {
  /** Agent type, the seed's first id. */
  agent: 'aee812a5-7396-4dd9-b180-230f1c1fb085',
  /** Agent type, the seed's second id. */
  agent2: 'a91ee1c2-9cfe-43b6-8193-fd39cd89d5b4',
  place: 'a15862be-2445-4735-aad2-69694a0f50ff',
  agentGroup: '6c715fa9-de16-4d23-b07c-cbcb1caf3e07',
  placeGroup: '5d487e69-a393-4228-a06f-6a4015ab1b54',
  /** Agent type, contact center B. */
  otherCc: '40b9b24b-0e15-4458-8a11-4a1958068d3e',
  /** Agent type, contact center C (no api-multimedia). */
  noFeature: 'ccccccc1-0000-4000-8000-000000000001',
  /** Well-formed, configured nowhere. */
  unknown: '00000000-0000-4000-8000-000000000000',
} as const

function user(name: UserName, roles: string[], place?: string) {
  return {
    id: U[name],
    userName: name,
    password: PASSWORD,
    firstName: name,
    lastName: 'Test',
    roles,
    ...(place ? { place } : {}),
  }
}

export function subscriptionDocument() {
  return {
    contactCenters: [
      {
        id: CC_A,
        name: 'A',
        features: ['api-multimedia'],
        placeGroups: [{ name: 'North' }, { name: 'South' }],
        places: [
          { name: 'P1', placeGroups: ['North'] },
          { name: 'P2', placeGroups: ['South'] },
          { name: 'P3', placeGroups: ['North'] },
        ],
        users: [
          user('agent1', ['agent'], 'P1'),
          user('agent2', ['agent'], 'P2'),
          user('agent3', ['agent']),
          user('sup1', ['agent', 'supervisor'], 'P3'),
          user('admin1', ['admin']),
          user('api1', ['apiuser']),
        ],
        agentGroups: [
          { name: 'Sales', members: ['agent1', 'agent3'], supervisors: ['sup1'] },
          { name: 'Support', members: ['agent2'], supervisors: [] },
        ],
        workbins: [
          { id: WB.agent, workbinName: 'testWorkbin', displayName: 'Test Workbin', type: 'Agent' },
          { id: WB.agent2, workbinName: 'secondWorkbin', displayName: 'Second', type: 'Agent' },
          { id: WB.place, workbinName: 'placeWorkbin', displayName: 'Place WB', type: 'Place' },
          {
            id: WB.agentGroup,
            workbinName: 'Workbin_AgentGroup',
            displayName: 'Agent group WB',
            type: 'AgentGroup',
          },
          {
            id: WB.placeGroup,
            workbinName: 'Workbin_PlaceGroup',
            displayName: 'Place group WB',
            type: 'PlaceGroup',
          },
        ],
        // owned by agent1: the lifetime tests put them into workbins to probe subscriptions
        interactions: IX.map((id) => ({ id, mediaType: 'workitem', owner: 'agent1' })),
      },
      {
        id: CC_B,
        name: 'B',
        features: ['api-multimedia'],
        users: [user('agentB', ['agent']), user('adminB', ['admin'])],
        workbins: [{ id: WB.otherCc, workbinName: 'bWorkbin', displayName: 'B', type: 'Agent' }],
      },
      {
        id: CC_C,
        name: 'C',
        features: ['api-voice'],
        users: [user('agentC', ['agent'])],
        workbins: [{ id: WB.noFeature, workbinName: 'cWorkbin', displayName: 'C', type: 'Agent' }],
      },
    ],
  }
}
