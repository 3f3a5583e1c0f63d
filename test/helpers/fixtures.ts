// Small provisioning documents (contract §7) for tests: explicit, so each test shows who may do what.

export const CC1 = '11111111-1111-4111-8111-111111111111'
export const CC2 = '22222222-2222-4222-8222-222222222222'

export const IDS = {
  agent1: 'a0000000000000000000000000000001',
  agent2: 'a0000000000000000000000000000002',
  sup1: 'b0000000000000000000000000000001',
  admin1: 'c0000000000000000000000000000001',
  api1: 'd0000000000000000000000000000001',
  other1: 'e0000000000000000000000000000001',
}

export const PASSWORD = 'pw-secret-1'

/** Two contact centers: CC1 with api-multimedia, CC2 without. */
export function basicDocument() {
  return {
    contactCenters: [
      {
        id: CC1,
        name: 'One',
        features: ['api-multimedia', 'api-voice'],
        placeGroups: [{ name: 'North' }],
        places: [{ name: 'Place_1', placeGroups: ['North'] }, { name: 'Place_2' }],
        users: [
          {
            id: IDS.agent1,
            userName: 'agent1',
            password: PASSWORD,
            firstName: 'Ada',
            lastName: 'Agent',
            roles: ['agent'],
            place: 'Place_1',
          },
          {
            id: IDS.agent2,
            userName: 'agent2',
            password: PASSWORD,
            firstName: 'Bo',
            lastName: 'Agent',
            roles: ['agent'],
          },
          {
            id: IDS.sup1,
            userName: 'sup1',
            password: PASSWORD,
            firstName: 'Sue',
            lastName: 'Visor',
            roles: ['agent', 'supervisor'],
          },
          {
            id: IDS.admin1,
            userName: 'admin1',
            password: PASSWORD,
            firstName: 'Al',
            lastName: 'Admin',
            roles: ['admin'],
          },
          {
            id: IDS.api1,
            userName: 'api1',
            password: PASSWORD,
            firstName: 'Api',
            lastName: 'User',
            roles: ['apiuser'],
          },
        ],
        agentGroups: [{ name: 'Sales', members: ['agent1'], supervisors: ['sup1'] }],
        workbins: [
          {
            id: 'aee812a5-7396-4dd9-b180-230f1c1fb085',
            workbinName: 'testWorkbin',
            displayName: 'Test Workbin',
            type: 'Agent',
          },
        ],
      },
      {
        id: CC2,
        name: 'Two',
        features: ['api-voice'],
        users: [
          {
            id: IDS.other1,
            userName: 'other1',
            password: PASSWORD,
            firstName: 'Otto',
            lastName: 'Other',
            roles: ['agent', 'admin'],
          },
        ],
      },
    ],
  }
}
