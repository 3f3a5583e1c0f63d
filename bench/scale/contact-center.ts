// The scale suite's contact center: a provisioning document (docs/provisioning.md) of 10,000
// users, 1,000 agent groups, 1,000 place groups, 10,000 places and 50,000 interactions,
// deterministic for a given size. Every user has the same password (hashed once).
//
//   u00000 ... u09997  agents, each at their own place (Place00000 ...), place group PG(i % 1000)
//   sup                agent + supervisor of "Big" (the first 3,000 agents), no place
//   admin              admin
//   Big                3,000 members; G0001 ... G0999 the other agents, about 7 each
//   workbins           Later (Agent), Desk (Place), Team (AgentGroup), Floor (PlaceGroup)
//   interactions       10,000 in u00000's Later (the "big workbin"); the rest spread over the
//                      other agents' Later, the groups' Team and the place groups' Floor

import { hashPassword } from '../../src/store/password.ts'

export interface ScaleSize {
  users: number
  groups: number
  bigGroup: number
  interactions: number
  bigWorkbin: number
}

export const FULL_SIZE: ScaleSize = {
  users: 10_000,
  groups: 1_000,
  bigGroup: 3_000,
  interactions: 50_000,
  bigWorkbin: 10_000,
}

export const PASSWORD = 'scale-pw-1'
export const CC_ID = '5ca1e000-0000-4000-8000-000000000001'
export const WB = {
  later: '5ca1e000-0000-4000-8000-0000000000a1',
  desk: '5ca1e000-0000-4000-8000-0000000000a2',
  team: '5ca1e000-0000-4000-8000-0000000000a3',
  floor: '5ca1e000-0000-4000-8000-0000000000a4',
} as const

const MEDIA = ['workitem', 'email', 'chat'] as const
const SEGMENTS = ['gold', 'silver', 'bronze']

export const agentName = (i: number): string => `u${String(i).padStart(5, '0')}`
export const placeName = (i: number): string => `Place${String(i).padStart(5, '0')}`
export const placeGroupName = (i: number): string => `PG${String(i).padStart(4, '0')}`
const groupName = (i: number): string => `G${String(i).padStart(4, '0')}`
const userId = (i: number): string => `5ca1e${String(i).padStart(27, '0')}`

function receivedDate(i: number): string {
  // spread over a year, second resolution, every seventh at the same second as the one before
  const t = Date.UTC(2025, 0, 1) + (i - (i % 7 === 0 ? 1 : 0)) * 617_000
  const d = new Date(t).toISOString() // 2025-01-01T00:00:00.000Z
  return `${d.slice(0, 10)} ${d.slice(11, 23)}+0000`
}

export function scaleDocument(size: ScaleSize = FULL_SIZE): object {
  const passwordHash = hashPassword(PASSWORD)
  const agents = size.users - 2
  const users: object[] = []
  const places: object[] = []
  for (let i = 0; i < agents; i++) {
    places.push({ name: placeName(i), placeGroups: [placeGroupName(i % size.groups)] })
    users.push({
      id: userId(i),
      userName: agentName(i),
      passwordHash,
      firstName: 'Agent',
      lastName: String(i),
      roles: ['agent'],
      place: placeName(i),
    })
  }
  users.push({ id: userId(agents), userName: 'sup', passwordHash, roles: ['agent', 'supervisor'] })
  users.push({ id: userId(agents + 1), userName: 'admin', passwordHash, roles: ['admin'] })

  const big = Array.from({ length: size.bigGroup }, (_, i) => agentName(i))
  const agentGroups: object[] = [{ name: 'Big', members: big, supervisors: ['sup'] }]
  const others = size.groups - 1
  const members: string[][] = Array.from({ length: others }, () => [])
  for (let i = size.bigGroup; i < agents; i++) members[i % others]!.push(agentName(i))
  members.forEach((m, g) => agentGroups.push({ name: groupName(g + 1), members: m }))

  const interactions: object[] = []
  for (let i = 0; i < size.interactions; i++) {
    let workbin: object
    if (i < size.bigWorkbin) workbin = { id: WB.later, user: agentName(0) }
    else if (i % 3 === 0) workbin = { id: WB.later, user: agentName(1 + (i % (agents - 1))) }
    else if (i % 3 === 1) workbin = { id: WB.team, agentGroup: groupName(1 + (i % others)) }
    else workbin = { id: WB.floor, placeGroup: placeGroupName(i % size.groups) }
    interactions.push({
      id: `SC${String(i).padStart(14, '0')}`,
      mediaType: MEDIA[i % 3],
      receivedDate: receivedDate(i),
      userData: {
        Subject: `Case ${i}: order ${(i * 7919) % 100_000} is late`,
        Priority: (i * 31) % 10,
        CustomerSegment: SEGMENTS[i % 3],
      },
      workbin,
    })
  }
  return {
    contactCenters: [
      {
        id: CC_ID,
        name: 'Scale',
        features: ['api-multimedia'],
        placeGroups: Array.from({ length: size.groups }, (_, i) => ({ name: placeGroupName(i) })),
        places,
        users,
        agentGroups,
        workbins: [
          { id: WB.later, workbinName: 'Later', displayName: 'Later', type: 'Agent' },
          { id: WB.desk, workbinName: 'Desk', displayName: 'Desk', type: 'Place' },
          { id: WB.team, workbinName: 'Team', displayName: 'Team', type: 'AgentGroup' },
          { id: WB.floor, workbinName: 'Floor', displayName: 'Floor', type: 'PlaceGroup' },
        ],
        interactions,
      },
    ],
  }
}
