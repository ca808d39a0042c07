/**
 * Policy Troubleshooter: the answer depends on which policies the caller may read.
 */
import { startEmulator, type Emulator } from '../../emulator/server.js'
import {
  ADMIN,
  DEPLOYER,
  REPOSITORY,
  SERVICE_AGENT,
  SERVICE_AGENT_EMAIL,
  seed
} from '../../emulator/scenarios/seed.js'
import { variant, withBinding } from '../../emulator/scenarios/helpers.js'

let emulator: Emulator
afterEach(() => emulator.close())

const DOWNLOAD = 'artifactregistry.repositories.downloadArtifacts'

async function troubleshoot(caller: string, principal = SERVICE_AGENT_EMAIL) {
  const response = await fetch(new URL('v3/iam:troubleshoot', emulator.url), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${emulator.issueAccessToken(caller)}`,
      'content-type': 'application/json'
    },
    body: JSON.stringify({
      accessTuple: {
        principal,
        fullResourceName: `//artifactregistry.googleapis.com/${REPOSITORY}`,
        permission: DOWNLOAD
      }
    })
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

test('a caller who may read every policy gets CANNOT_ACCESS, then CAN_ACCESS after the grant', async () => {
  emulator = await startEmulator('seed')
  const before = await troubleshoot(ADMIN)
  expect(before.status).toBe(200)
  expect(before.body).toMatchObject({
    overallAccessState: 'CANNOT_ACCESS',
    accessTuple: { principal: SERVICE_AGENT_EMAIL, permission: DOWNLOAD },
    allowPolicyExplanation: { allowAccessState: 'ALLOW_ACCESS_STATE_NOT_GRANTED' }
  })
  emulator.setPolicyAs(ADMIN, REPOSITORY, p => ({
    ...p,
    bindings: [
      ...(p.bindings ?? []),
      { role: 'roles/artifactregistry.reader', members: [SERVICE_AGENT] }
    ]
  }))
  const after = await troubleshoot(ADMIN)
  expect(after.body.overallAccessState).toBe('CAN_ACCESS')
  const explained = (
    after.body.allowPolicyExplanation as { explainedPolicies: { fullResourceName?: string }[] }
  ).explainedPolicies
  expect(explained.map(p => p.fullResourceName)).toEqual([
    `//artifactregistry.googleapis.com/${REPOSITORY}`,
    '//cloudresourcemanager.googleapis.com/projects/myproject-b',
    '//cloudresourcemanager.googleapis.com/organizations/123456789012'
  ])
})

test('a caller who can read no policy in the chain gets 403', async () => {
  emulator = await startEmulator('seed')
  const { status, body } = await troubleshoot(DEPLOYER)
  expect(status).toBe(403)
  expect(body).toMatchObject({ error: { status: 'PERMISSION_DENIED' } })
})

test("a caller who reads the repository's policy but not the project's gets UNKNOWN_INFO", async () => {
  emulator = await startEmulator('admin')
  const { status, body } = await troubleshoot(DEPLOYER)
  expect(status).toBe(200)
  expect(body.overallAccessState).toBe('UNKNOWN_INFO')
  // ...unless the grant is in the part it can read.
  expect(
    (await troubleshoot(DEPLOYER, 'deployer@myproject-a.iam.gserviceaccount.com')).body
      .overallAccessState
  ).toBe('CAN_ACCESS')
})

test('a matching conditional binding gives UNKNOWN_CONDITIONAL', async () => {
  emulator = await startEmulator(
    variant(seed, 'reviewer', 'seed plus a security reviewer', s =>
      withBinding(
        s,
        'organizations/123456789012',
        'roles/iam.securityReviewer',
        'user:reviewer@example.com'
      )
    )
  )
  emulator.setPolicyAs(ADMIN, REPOSITORY, p => ({
    ...p,
    bindings: [
      ...(p.bindings ?? []),
      {
        role: 'roles/artifactregistry.reader',
        members: [SERVICE_AGENT],
        condition: { title: 'tagged', expression: "resource.matchTag('env', 'prod')" }
      }
    ]
  }))
  const { body } = await troubleshoot('user:reviewer@example.com')
  expect(body.overallAccessState).toBe('UNKNOWN_CONDITIONAL')
  // The emulator cannot evaluate that condition, so it does not grant the pull.
  expect(
    emulator.pullImage(SERVICE_AGENT, 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob')
  ).toMatchObject({
    ok: false
  })
})
