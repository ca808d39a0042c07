import {
  evaluateAccess,
  rolesBoundTo,
  type PolicyNode,
  type RolePermissions
} from '../../src/iam/evaluate.js'

const AGENT = 'serviceAccount:service-111111111111@serverless-robot-prod.iam.gserviceaccount.com'
const DOWNLOAD = 'artifactregistry.repositories.downloadArtifacts'
const REPO = 'projects/b/locations/asia-northeast1/repositories/myrepo'

const known = (...permissions: string[]): RolePermissions => ({
  known: true,
  permissions: new Set(permissions)
})
const ROLES = new Map<string, RolePermissions>([
  ['roles/artifactregistry.reader', known(DOWNLOAD)],
  ['roles/viewer', known(DOWNLOAD, 'resourcemanager.projects.get')],
  ['roles/run.developer', known('run.services.create')],
  ['projects/b/roles/puller', known(DOWNLOAD)],
  ['projects/b/roles/secret', { known: false, reason: 'iam.roles.get denied' }]
])

const node = (resource: string, bindings: PolicyNode['policy']): PolicyNode => ({
  resource,
  policy: bindings
})
const repo = (...bindings: { role: string; members: string[]; condition?: object }[]) =>
  node(REPO, { bindings })
const project = (...bindings: { role: string; members: string[] }[]) =>
  node('projects/b', { bindings })

const cases = [
  [
    'reader on the repository',
    [repo({ role: 'roles/artifactregistry.reader', members: [AGENT] }), project()],
    'ok'
  ],
  [
    'reader on the project',
    [repo(), project({ role: 'roles/artifactregistry.reader', members: [AGENT] })],
    'ok'
  ],
  ['viewer on the project', [repo(), project({ role: 'roles/viewer', members: [AGENT] })], 'ok'],
  [
    'a custom role that holds it',
    [repo({ role: 'projects/b/roles/puller', members: [AGENT] })],
    'ok'
  ],
  [
    'a public repository',
    [repo({ role: 'roles/artifactregistry.reader', members: ['allUsers'] })],
    'ok'
  ],
  [
    'all authenticated users',
    [repo({ role: 'roles/artifactregistry.reader', members: ['allAuthenticatedUsers'] })],
    'ok'
  ],
  [
    'a role without the permission',
    [repo({ role: 'roles/run.developer', members: [AGENT] }), project()],
    'missing'
  ],
  [
    'someone else holds it',
    [repo({ role: 'roles/artifactregistry.reader', members: ['user:a@b.c'] })],
    'missing'
  ],
  ['no bindings anywhere', [repo(), project()], 'missing'],
  [
    'a conditional binding',
    [
      repo({
        role: 'roles/artifactregistry.reader',
        members: [AGENT],
        condition: {
          title: 'until 2030',
          expression: 'request.time < timestamp("2030-01-01T00:00:00Z")'
        }
      })
    ],
    'unknown'
  ],
  [
    'a role whose permissions are unknown',
    [repo({ role: 'projects/b/roles/secret', members: [AGENT] })],
    'unknown'
  ]
] as const

test.each(cases.map(([name, chain, expected]) => ({ name, chain, expected })))(
  '$name → $expected',
  ({ chain, expected }) => {
    expect(evaluateAccess(AGENT, DOWNLOAD, chain as unknown as PolicyNode[], ROLES).status).toBe(
      expected
    )
  }
)

test('an unreadable policy makes a not-found answer unknown and says which role would read it', () => {
  const chain: PolicyNode[] = [
    {
      resource: REPO,
      policy: undefined,
      unreadable: {
        reason: 'artifactregistry.repositories.getIamPolicy denied',
        roleThatCanRead: 'roles/artifactregistry.viewer'
      }
    },
    project()
  ]
  const verdict = evaluateAccess(AGENT, DOWNLOAD, chain, ROLES)
  expect(verdict).toEqual({
    status: 'unknown',
    reasons: [expect.stringContaining('roles/artifactregistry.viewer would let the action read it')]
  })
})

test('an unconditional grant elsewhere wins over an unreadable policy', () => {
  const chain: PolicyNode[] = [
    {
      resource: REPO,
      policy: undefined,
      unreadable: { reason: 'denied', roleThatCanRead: 'roles/artifactregistry.viewer' }
    },
    project({ role: 'roles/viewer', members: [AGENT] })
  ]
  expect(evaluateAccess(AGENT, DOWNLOAD, chain, ROLES)).toEqual({
    status: 'ok',
    grantedBy: { resource: 'projects/b', role: 'roles/viewer', member: AGENT }
  })
})

test('rolesBoundTo collects only the roles bound to the principal or the public members', () => {
  const chain = [
    repo({ role: 'roles/artifactregistry.reader', members: ['user:x@y.z'] }),
    project(
      { role: 'roles/viewer', members: [AGENT] },
      { role: 'roles/owner', members: ['allUsers'] }
    )
  ]
  expect([...rolesBoundTo(AGENT, chain)].sort()).toEqual(['roles/owner', 'roles/viewer'])
})

describe('members the action cannot list', () => {
  test.each([
    ['a Google group', 'group:deployers@example.com'],
    ['a domain', 'domain:example.com'],
    [
      "a project's service accounts as a principal set",
      'principalSet://cloudresourcemanager.googleapis.com/projects/111/type/ServiceAccount'
    ]
  ])('%s makes the answer unknown, naming the member, never missing', (_name, member) => {
    const chain = [repo({ role: 'roles/artifactregistry.reader', members: [member] }), project()]
    const verdict = evaluateAccess(AGENT, DOWNLOAD, chain, ROLES)
    expect(verdict.status).toBe('unknown')
    expect(verdict.status === 'unknown' && verdict.reasons.join(' ')).toContain(member)
    expect(rolesBoundTo(AGENT, chain)).toEqual(new Set(['roles/artifactregistry.reader']))
  })

  test("a workload identity pool's principal set holds federated identities only: missing", () => {
    const member =
      'principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/attribute.repository/o/r'
    const chain = [repo({ role: 'roles/artifactregistry.reader', members: [member] }), project()]
    expect(evaluateAccess(AGENT, DOWNLOAD, chain, ROLES)).toEqual({ status: 'missing' })
  })

  test('a direct grant still wins', () => {
    const chain = [
      repo({ role: 'roles/artifactregistry.reader', members: ['group:g@example.com', AGENT] }),
      project()
    ]
    expect(evaluateAccess(AGENT, DOWNLOAD, chain, ROLES).status).toBe('ok')
  })
})
