// The provisioning document (contract §7) of the workbin content tests. Who may do what is
// explicit here so the tests read against it.
//
// Contact center A (api-multimedia):
//   place groups North; places P1 (North), P2 (North), P9 (no group)
//   agent1  agent, place P1, member of Sales            (supervised by sup1)
//   agent2  agent, place P2, member of Sales            (supervised by sup1)
//   agent3  agent, place P9, member of Support          (not supervised by sup1)
//   sup1    agent + supervisor, place P9, supervises Sales
//   admin1  admin; api1 apiuser
//   workbins: Later (Agent), Desk (Place), Team (AgentGroup), Floor (PlaceGroup)
//   interactions (provisioned): EMAIL1 owned by agent1; CHAT1 in agent1's Later workbin;
//   WORKITEM1 in the Sales Team workbin
// Contact center B (api-multimedia): agentB and its own Agent workbin.
// Contact center C (no api-multimedia): agentC.

export const PASSWORD = 'pw-content-1'

export const CC_A = 'c0a00000-0000-4000-8000-00000000000a'
export const CC_B = 'c0a00000-0000-4000-8000-00000000000b'
export const CC_C = 'c0a00000-0000-4000-8000-00000000000c'

export const U = {
  agent1: 'e6f2ad1b26ea4e9b8dd907eabe167522',
  agent2: 'e6f2ad1b26ea4e9b8dd907eabe167523',
  agent3: 'e6f2ad1b26ea4e9b8dd907eabe167524',
  sup1: '5a000000000000000000000000000001',
  admin1: 'ad000000000000000000000000000001',
  api1: 'a9000000000000000000000000000001',
  agentB: 'bb000000000000000000000000000001',
  agentC: 'cc000000000000000000000000000001',
} as const

export type UserName = keyof typeof U

export const WB = {
  later: 'aee812a5-7396-4dd9-b180-230f1c1fb085',
  desk: 'a15862be-2445-4735-aad2-69694a0f50ff',
  team: '6c715fa9-de16-4d23-b07c-cbcb1caf3e07',
  floor: '5d487e69-a393-4228-a06f-6a4015ab1b54',
  otherCc: '40b9b24b-0e15-4458-8a11-4a1958068d3e',
  unknown: '00000000-0000-4000-8000-000000000000',
} as const

export const IX = {
  email1: 'EMAIL00000000001',
  chat1: '0001BaBFVPR20035',
  workitem1: '02F0ASAK8EAFA00W',
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

export function contentDocument() {
  return {
    contactCenters: [
      {
        id: CC_A,
        name: 'Content A',
        features: ['api-multimedia'],
        placeGroups: [{ name: 'North' }],
        places: [
          { name: 'P1', placeGroups: ['North'] },
          { name: 'P2', placeGroups: ['North'] },
          { name: 'P9' },
        ],
        users: [
          user('agent1', ['agent'], 'P1'),
          user('agent2', ['agent'], 'P2'),
          user('agent3', ['agent'], 'P9'),
          user('sup1', ['agent', 'supervisor'], 'P9'),
          user('admin1', ['admin']),
          user('api1', ['apiuser']),
        ],
        agentGroups: [
          { name: 'Sales', members: ['agent1', 'agent2'], supervisors: ['sup1'] },
          { name: 'Support', members: ['agent3'] },
        ],
        workbins: [
          { id: WB.later, workbinName: 'Later', displayName: 'Later', type: 'Agent' },
          { id: WB.desk, workbinName: 'Desk', displayName: 'Desk', type: 'Place' },
          { id: WB.team, workbinName: 'Team', displayName: 'Team', type: 'AgentGroup' },
          { id: WB.floor, workbinName: 'Floor', displayName: 'Floor', type: 'PlaceGroup' },
        ],
        interactions: [
          {
            id: IX.email1,
            mediaType: 'email',
            userData: { Subject: 'Invoice 42' },
            receivedDate: '2016-04-08 15:05:57.000+0300',
            extra: { subject: 'Invoice 42', from: 'customer@example.com' },
            owner: 'agent1',
          },
          {
            id: IX.chat1,
            mediaType: 'chat',
            userData: { ChatServerPort: '7160' },
            receivedDate: '2016-04-08 15:06:57.000+0300',
            workbin: { id: WB.later, user: 'agent1' },
          },
          {
            id: IX.workitem1,
            mediaType: 'workitem',
            userData: { Case: '7' },
            receivedDate: '2016-04-08 15:07:57.000+0300',
            workbin: { id: WB.team, agentGroup: 'Sales' },
          },
        ],
      },
      {
        id: CC_B,
        name: 'Content B',
        features: ['api-multimedia'],
        users: [user('agentB', ['agent'])],
        workbins: [{ id: WB.otherCc, workbinName: 'Later', displayName: 'Later', type: 'Agent' }],
      },
      {
        id: CC_C,
        name: 'Content C',
        features: [],
        users: [user('agentC', ['agent'])],
      },
    ],
  }
}
