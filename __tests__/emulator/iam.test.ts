/**
 * The IAM model through the APIs that expose it: Google's 401/403 bodies, optimistic concurrency on
 * etags, version-1 reads of conditional policies, the 1,500-principal limit, propagation delay, and a
 * setIamPolicy whose answer is held while the change is made.
 */
import { startEmulator, type Emulator } from '../../emulator/server.js'
import {
  ADMIN,
  DEPLOYER,
  REPOSITORY,
  SERVICE_AGENT,
  SERVICE_AGENT_EMAIL
} from '../../emulator/scenarios/seed.js'
import type { Policy } from '../../emulator/core.js'
import { checkPolicyLimits, MAX_POLICY_PRINCIPALS, policyPrincipals } from '../../emulator/iam.js'
import { variant, withBinding } from '../../emulator/scenarios/helpers.js'
import { seed } from '../../emulator/scenarios/seed.js'

let emulator: Emulator

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {}
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = {}
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(new URL(path, emulator.url), {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body)
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {}
  }
}

const repoPath = `/v1/${REPOSITORY}`

beforeEach(async () => {
  emulator = await startEmulator('seed')
})
afterEach(() => emulator.close())

describe('errors', () => {
  test('403 names permission and resource, with an IAM_PERMISSION_DENIED ErrorInfo', async () => {
    const token = emulator.issueAccessToken(DEPLOYER)
    const { status, body } = await call('GET', `${repoPath}:getIamPolicy`, { token })
    expect(status).toBe(403)
    const resource = `//artifactregistry.googleapis.com/${REPOSITORY}`
    expect(body).toEqual({
      error: {
        code: 403,
        message: `Permission 'artifactregistry.repositories.getIamPolicy' denied on resource '${resource}' (or it may not exist).`,
        status: 'PERMISSION_DENIED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'IAM_PERMISSION_DENIED',
            domain: 'iam.googleapis.com',
            metadata: { permission: 'artifactregistry.repositories.getIamPolicy', resource }
          }
        ]
      }
    })
  })

  test('401 UNAUTHENTICATED for an unknown or expired token', async () => {
    const unknown = await call('GET', '/v1/projects/myproject-a', { token: 'ya29.not-a-token' })
    expect(unknown.status).toBe(401)
    expect(unknown.body).toMatchObject({
      error: {
        code: 401,
        status: 'UNAUTHENTICATED',
        message: expect.stringMatching(
          /^Request had invalid authentication credentials\. Expected OAuth 2 access token, login cookie or other valid authentication credential/
        )
      }
    })
    const token = emulator.issueAccessToken(DEPLOYER)
    expect((await call('GET', '/v1/projects/myproject-a', { token })).status).toBe(200)
    emulator.advanceClock(3601_000)
    const expired = await call('GET', '/v1/projects/myproject-a', { token })
    expect(expired.status).toBe(401)
    expect(JSON.stringify(expired.body)).toContain('ACCESS_TOKEN_EXPIRED')
  })

  test('no token at all: 401 for a protected resource', async () => {
    const { status, body } = await call('GET', '/v3/projects/myproject-a')
    expect(status).toBe(401)
    expect(body).toMatchObject({ error: { status: 'UNAUTHENTICATED' } })
  })
})

describe('setIamPolicy', () => {
  test('a stale etag is ABORTED; the fresh one succeeds', async () => {
    const token = emulator.issueAccessToken(ADMIN)
    const read = await call('GET', `${repoPath}:getIamPolicy?options.requestedPolicyVersion=3`, {
      token
    })
    expect(read.status).toBe(200)
    const policy = read.body as Policy

    // Another writer changes the policy between our read and our write.
    emulator.setPolicyAs(ADMIN, REPOSITORY, p => ({
      ...p,
      bindings: [
        ...(p.bindings ?? []),
        { role: 'roles/artifactregistry.reader', members: ['user:x@example.com'] }
      ]
    }))
    const grant = { role: 'roles/artifactregistry.reader', members: [SERVICE_AGENT] }
    const stale = await call('POST', `${repoPath}:setIamPolicy`, {
      token,
      body: { policy: { ...policy, bindings: [...(policy.bindings ?? []), grant] } }
    })
    expect(stale.status).toBe(409)
    expect(stale.body).toEqual({
      error: {
        code: 409,
        message:
          'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.',
        status: 'ABORTED'
      }
    })

    const fresh = (
      await call('GET', `${repoPath}:getIamPolicy?options.requestedPolicyVersion=3`, { token })
    ).body as Policy
    const written = await call('POST', `${repoPath}:setIamPolicy`, {
      token,
      body: { policy: { ...fresh, bindings: [...(fresh.bindings ?? []), grant] } }
    })
    expect(written.status).toBe(200)
    const stored = written.body as Policy
    expect(stored.etag).not.toBe(fresh.etag)
    expect(stored.bindings).toEqual(
      expect.arrayContaining([
        {
          role: 'roles/artifactregistry.reader',
          members: expect.arrayContaining([SERVICE_AGENT, 'user:x@example.com'])
        }
      ])
    )
    expect(emulator.getPolicy(REPOSITORY)).toEqual(stored)
    const log = emulator.requestLog.filter(
      r => r.name === 'artifactregistry.repositories.setIamPolicy'
    )
    expect(log.map(r => [r.status, r.mutating])).toEqual([
      [409, true],
      [200, true]
    ])
  })

  test('a write without etag is a blind write and is accepted', async () => {
    const token = emulator.issueAccessToken(ADMIN)
    const { status } = await call('POST', `${repoPath}:setIamPolicy`, {
      token,
      body: {
        policy: { bindings: [{ role: 'roles/artifactregistry.reader', members: [DEPLOYER] }] }
      }
    })
    expect(status).toBe(200)
    expect(emulator.getPolicy(REPOSITORY).bindings).toEqual([
      { role: 'roles/artifactregistry.reader', members: [DEPLOYER] }
    ])
  })

  test('conditions need version 3: INVALID_ARGUMENT with version 1', async () => {
    const token = emulator.issueAccessToken(ADMIN)
    const { status, body } = await call('POST', `${repoPath}:setIamPolicy`, {
      token,
      body: {
        policy: {
          version: 1,
          bindings: [
            {
              role: 'roles/artifactregistry.reader',
              members: [SERVICE_AGENT],
              condition: {
                title: 't',
                expression: 'request.time < timestamp("2099-01-01T00:00:00Z")'
              }
            }
          ]
        }
      }
    })
    expect(status).toBe(400)
    expect(body).toMatchObject({ error: { status: 'INVALID_ARGUMENT' } })
  })

  test('a version-1 read of a conditional policy renames the role _withcond_ and drops the condition', async () => {
    const condition = {
      title: 'temp',
      expression: 'request.time < timestamp("2099-01-01T00:00:00Z")'
    }
    emulator.setPolicyAs(ADMIN, REPOSITORY, p => ({
      ...p,
      version: 3,
      bindings: [
        ...(p.bindings ?? []),
        { role: 'roles/artifactregistry.reader', members: [SERVICE_AGENT], condition }
      ]
    }))
    const token = emulator.issueAccessToken(ADMIN)
    const v1 = (await call('GET', `${repoPath}:getIamPolicy`, { token })).body as Policy
    expect(v1.version).toBe(1)
    const renamed = v1.bindings?.find(b =>
      b.role?.startsWith('roles/artifactregistry.reader_withcond_')
    )
    expect(renamed).toEqual({
      role: expect.stringMatching(/_withcond_[0-9a-f]+$/),
      members: [SERVICE_AGENT]
    })
    expect(JSON.stringify(v1)).not.toContain('condition')

    const v3 = (
      await call('GET', `${repoPath}:getIamPolicy?options.requestedPolicyVersion=3`, { token })
    ).body as Policy
    expect(v3.version).toBe(3)
    expect(v3.bindings).toContainEqual({
      role: 'roles/artifactregistry.reader',
      members: [SERVICE_AGENT],
      condition
    })
    // The request.time condition is evaluated: the grant is in force until 2099.
    expect(
      emulator.pullImage(SERVICE_AGENT, 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob')
        .ok
    ).toBe(true)
  })

  test('Resource Manager v1 and v3 project policies, and testIamPermissions', async () => {
    const token = emulator.issueAccessToken(DEPLOYER)
    const denied = await call('POST', '/v3/projects/myproject-a:getIamPolicy', {
      token,
      body: { options: { requestedPolicyVersion: 3 } }
    })
    expect(denied.status).toBe(403)
    const held = await call('POST', '/v1/projects/myproject-a:testIamPermissions', {
      token,
      body: { permissions: ['run.services.create', 'resourcemanager.projects.setIamPolicy'] }
    })
    expect(held.body).toEqual({ permissions: ['run.services.create'] })

    const adminToken = emulator.issueAccessToken(ADMIN)
    const read = await call('POST', '/v1/projects/myproject-a:getIamPolicy', {
      token: adminToken,
      body: { options: { requestedPolicyVersion: 3 } }
    })
    expect(read.status).toBe(200)
    expect((read.body as Policy).bindings).toContainEqual({
      role: 'roles/run.serviceAgent',
      members: [SERVICE_AGENT]
    })
  })
})

describe('Resource Manager', () => {
  test('projects.get v1/v3, getAncestry; a missing project is a 403 like a denied one', async () => {
    const token = emulator.issueAccessToken(DEPLOYER)
    expect((await call('GET', '/v1/projects/myproject-a', { token })).body).toMatchObject({
      projectId: 'myproject-a',
      projectNumber: '111111111111',
      lifecycleState: 'ACTIVE',
      parent: { type: 'organization', id: '123456789012' }
    })
    expect((await call('GET', '/v3/projects/myproject-a', { token })).body).toMatchObject({
      name: 'projects/111111111111',
      projectId: 'myproject-a',
      parent: 'organizations/123456789012'
    })
    expect((await call('POST', '/v1/projects/myproject-a:getAncestry', { token })).body).toEqual({
      ancestor: [
        { resourceId: { type: 'project', id: 'myproject-a' } },
        { resourceId: { type: 'organization', id: '123456789012' } }
      ]
    })
    const denied = await call('GET', '/v3/projects/myproject-b', { token })
    const missing = await call('GET', '/v3/projects/no-such-project', { token })
    expect([denied.status, missing.status]).toEqual([403, 403])
    expect(missing.body).toMatchObject({
      error: {
        message:
          "Permission 'resourcemanager.projects.get' denied on resource '//cloudresourcemanager.googleapis.com/projects/no-such-project' (or it may not exist)."
      }
    })
  })

  test('IAM roles.get: predefined for anyone authenticated, custom with iam.roles.get, 404 unknown', async () => {
    const token = emulator.issueAccessToken(SERVICE_AGENT)
    const role = await call('GET', '/v1/roles/artifactregistry.reader', { token })
    expect(role.body).toMatchObject({
      name: 'roles/artifactregistry.reader',
      title: 'Artifact Registry Reader',
      stage: 'GA',
      includedPermissions: expect.arrayContaining([
        'artifactregistry.repositories.downloadArtifacts'
      ])
    })
    expect((await call('GET', '/v1/roles/iam.workloadIdentityUser', { token })).body).toMatchObject(
      {
        includedPermissions: [
          'iam.serviceAccounts.getAccessToken',
          'iam.serviceAccounts.getOpenIdToken'
        ]
      }
    )
    expect((await call('GET', '/v1/roles/nope.nothing', { token })).status).toBe(404)
    expect((await call('GET', '/v1/roles/artifactregistry.reader')).status).toBe(401)
  })
})

describe('propagation', () => {
  test('a fresh binding shows in getIamPolicy at once but counts only after the delay', async () => {
    emulator.setOptions({ propagationDelayMs: 300 })
    const image = 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob'
    expect(emulator.pullImage(SERVICE_AGENT, image)).toMatchObject({ ok: false, reason: 'denied' })

    emulator.setPolicyAs(ADMIN, REPOSITORY, p => ({
      ...p,
      bindings: [
        ...(p.bindings ?? []),
        { role: 'roles/artifactregistry.reader', members: [SERVICE_AGENT] }
      ]
    }))
    expect(JSON.stringify(emulator.getPolicy(REPOSITORY))).toContain(SERVICE_AGENT_EMAIL)
    expect(emulator.pullImage(SERVICE_AGENT, image)).toMatchObject({ ok: false, reason: 'denied' })
    const token = emulator.issueAccessToken(SERVICE_AGENT)
    const tag = `/v1/${REPOSITORY}/packages/myjob/tags/latest`
    expect((await call('GET', tag, { token })).status).toBe(403)

    await new Promise(done => setTimeout(done, 350))
    expect(emulator.pullImage(SERVICE_AGENT, image)).toMatchObject({ ok: true })
    expect((await call('GET', tag, { token })).status).toBe(200)
  })

  test('scenario policies count at once, whatever the delay', async () => {
    emulator.setOptions({ propagationDelayMs: 60_000 })
    const token = emulator.issueAccessToken(DEPLOYER)
    expect((await call('GET', `/v1/${REPOSITORY}`, { token })).status).toBe(200)
  })
})

describe('custom roles and service accounts', () => {
  test('a custom role grants its permissions; roles.get on it needs iam.roles.get', async () => {
    await emulator.close()
    const custom = 'projects/myproject-b/roles/imagePuller'
    emulator = await startEmulator(
      variant(
        {
          ...seed,
          customRoles: [
            {
              name: custom,
              title: 'Image puller',
              stage: 'GA',
              includedPermissions: ['artifactregistry.repositories.downloadArtifacts']
            }
          ]
        },
        'custom-role',
        'seed plus a custom role on myrepo',
        s => withBinding(s, REPOSITORY, custom, SERVICE_AGENT)
      )
    )
    expect(
      emulator.pullImage(SERVICE_AGENT, 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob')
    ).toMatchObject({
      ok: true
    })
    const path = '/v1/projects/myproject-b/roles/imagePuller'
    expect((await call('GET', path, { token: emulator.issueAccessToken(DEPLOYER) })).status).toBe(
      403
    )
    expect(
      (await call('GET', path, { token: emulator.issueAccessToken(ADMIN) })).body
    ).toMatchObject({
      name: custom,
      includedPermissions: ['artifactregistry.repositories.downloadArtifacts']
    })
    expect(
      (
        await call('GET', '/v1/projects/myproject-b/roles/nope', {
          token: emulator.issueAccessToken(ADMIN)
        })
      ).status
    ).toBe(404)
  })

  test('service-account testIamPermissions tells who may act as the runtime account', async () => {
    const ask = async (member: string, email: string) =>
      (
        await call(
          'POST',
          `/v1/projects/-/serviceAccounts/${encodeURIComponent(email)}:testIamPermissions`,
          {
            token: emulator.issueAccessToken(member),
            body: { permissions: ['iam.serviceAccounts.actAs'] }
          }
        )
      ).body
    expect(await ask(DEPLOYER, '111111111111-compute@developer.gserviceaccount.com')).toEqual({
      permissions: ['iam.serviceAccounts.actAs']
    })
    expect(
      await ask('user:nobody@example.com', 'runtime@myproject-a.iam.gserviceaccount.com')
    ).toEqual({})
    // The project's service agent can act as its accounts through roles/run.serviceAgent on the project.
    expect(await ask(SERVICE_AGENT, 'runtime@myproject-a.iam.gserviceaccount.com')).toEqual({
      permissions: ['iam.serviceAccounts.actAs']
    })
  })
})

/** `count` distinct users, `user:u1@example.com` ... */
const users = (count: number, prefix = 'user:u') =>
  Array.from({ length: count }, (_, i) => `${prefix}${i + 1}@example.com`)

describe('the 1,500-principal limit', () => {
  test.each([
    ['1,500 users in one binding', { bindings: [{ role: 'r', members: users(1500) }] }, undefined],
    [
      '1,501 users in one binding',
      { bindings: [{ role: 'r', members: users(1501) }] },
      'The number of members in the policy (1,501) is larger than the maximum allowed size 1,500.'
    ],
    [
      'the same principal in two bindings counts twice',
      {
        bindings: [
          { role: 'a', members: users(750) },
          { role: 'b', members: users(751) }
        ]
      },
      'The number of members in the policy (1,501) is larger than the maximum allowed size 1,500.'
    ],
    [
      'audit-logging exemptions count too',
      {
        bindings: [{ role: 'r', members: users(1500) }],
        auditConfigs: [
          {
            service: 'allServices',
            auditLogConfigs: [{ logType: 'DATA_READ', exemptedMembers: ['user:x@example.com'] }]
          }
        ]
      },
      'The number of members in the policy (1,501) is larger than the maximum allowed size 1,500.'
    ],
    [
      '250 groups are allowed',
      { bindings: [{ role: 'r', members: users(250, 'group:g') }] },
      undefined
    ],
    [
      '251 groups are not',
      { bindings: [{ role: 'r', members: users(251, 'group:g') }] },
      'The number of Google groups in the policy (251) is larger than the maximum allowed size 250.'
    ]
  ] as [string, Policy, string | undefined][])('%s', (_, policy, refusal) => {
    if (refusal === undefined) expect(() => checkPolicyLimits(policy)).not.toThrow()
    else expect(() => checkPolicyLimits(policy)).toThrow(refusal)
  })

  test.each([
    ['a repository', `${repoPath}:setIamPolicy`, REPOSITORY],
    [
      'a project (Resource Manager v1)',
      '/v1/projects/myproject-b:setIamPolicy',
      'projects/myproject-b'
    ],
    [
      'a service account',
      '/v1/projects/-/serviceAccounts/runtime%40myproject-a.iam.gserviceaccount.com:setIamPolicy',
      'projects/-/serviceAccounts/runtime@myproject-a.iam.gserviceaccount.com'
    ]
  ])(
    'setIamPolicy on %s over the limit is a 400 that writes nothing',
    async (_, path, resource) => {
      const token = emulator.issueAccessToken(ADMIN)
      const before = emulator.getPolicy(resource)
      const { status, body } = await call('POST', path, {
        token,
        body: {
          policy: {
            ...before,
            bindings: [...(before.bindings ?? []), { role: 'roles/viewer', members: users(1501) }]
          }
        }
      })
      expect(status).toBe(400)
      expect(body).toEqual({
        error: {
          code: 400,
          message: expect.stringMatching(
            /^The number of members in the policy \(1,5\d\d\) is larger than the maximum allowed size 1,500\.$/
          ),
          status: 'INVALID_ARGUMENT'
        }
      })
      expect(emulator.getPolicy(resource)).toEqual(before)
    }
  )

  test("policy-full: myrepo is at the limit, and adding the service agent's binding is refused", async () => {
    await emulator.close()
    emulator = await startEmulator('policy-full')
    const token = emulator.issueAccessToken(DEPLOYER)
    const read = await call('GET', `${repoPath}:getIamPolicy?options.requestedPolicyVersion=3`, {
      token
    })
    const policy = read.body as Policy
    expect(policyPrincipals(policy)).toHaveLength(MAX_POLICY_PRINCIPALS)
    const write = await call('POST', `${repoPath}:setIamPolicy`, {
      token,
      body: {
        policy: {
          ...policy,
          bindings: (policy.bindings ?? []).map(b =>
            b.role === 'roles/artifactregistry.reader' && !b.condition
              ? { ...b, members: [...(b.members ?? []), SERVICE_AGENT] }
              : b
          )
        }
      }
    })
    expect(write.status).toBe(400)
    expect(write.body).toMatchObject({
      error: {
        message:
          'The number of members in the policy (1,501) is larger than the maximum allowed size 1,500.'
      }
    })
    expect(JSON.stringify(emulator.getPolicy(REPOSITORY))).not.toContain(SERVICE_AGENT_EMAIL)
  })
})

describe('a held response', () => {
  test('the write happens, its answer waits for release()', async () => {
    const token = emulator.issueAccessToken(ADMIN)
    const hold = emulator.holdResponse('artifactregistry.repositories.setIamPolicy')
    let answered = false
    const write = call('POST', `${repoPath}:setIamPolicy`, {
      token,
      body: {
        policy: { bindings: [{ role: 'roles/artifactregistry.reader', members: [SERVICE_AGENT] }] }
      }
    }).then(result => {
      answered = true
      return result
    })
    await hold.arrived
    // The policy is written while the caller still waits for the answer.
    expect(JSON.stringify(emulator.getPolicy(REPOSITORY))).toContain(SERVICE_AGENT_EMAIL)
    await new Promise(done => setTimeout(done, 50))
    expect(answered).toBe(false)
    expect(emulator.requestLog.some(r => r.name.endsWith('setIamPolicy'))).toBe(false)

    hold.release()
    const { status } = await write
    expect(status).toBe(200)
    expect(emulator.requestLog.filter(r => r.name.endsWith('setIamPolicy'))).toMatchObject([
      { status: 200, mutating: true }
    ])
    // One request only: the next one is answered at once.
    const again = await call('GET', `${repoPath}:getIamPolicy`, { token })
    expect(again.status).toBe(200)
  })

  test('a prefix holds the first matching route; other routes are not held', async () => {
    const token = emulator.issueAccessToken(ADMIN)
    const hold = emulator.holdResponse('artifactregistry.repositories.set*')
    expect((await call('GET', `${repoPath}:getIamPolicy`, { token })).status).toBe(200)
    const write = call('POST', `${repoPath}:setIamPolicy`, { token, body: { policy: {} } })
    await hold.arrived
    hold.release()
    expect((await write).status).toBe(200)
  })

  test('a caller that goes away while held leaves the change made; close() lets the answer go', async () => {
    const token = emulator.issueAccessToken(ADMIN)
    const hold = emulator.holdResponse('artifactregistry.repositories.setIamPolicy')
    const controller = new AbortController()
    const write = fetch(new URL(`${repoPath}:setIamPolicy`, emulator.url), {
      method: 'POST',
      signal: controller.signal,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        policy: { bindings: [{ role: 'roles/artifactregistry.reader', members: [SERVICE_AGENT] }] }
      })
    })
    await hold.arrived
    controller.abort()
    await expect(write).rejects.toThrow()
    expect(JSON.stringify(emulator.getPolicy(REPOSITORY))).toContain(SERVICE_AGENT_EMAIL)
    // afterEach closes the emulator without a release: close() must not hang on the held answer.
  })

  test('released before any request: withdrawn, the next request is not held', async () => {
    const hold = emulator.holdResponse('artifactregistry.repositories.getIamPolicy')
    hold.release()
    const token = emulator.issueAccessToken(ADMIN)
    expect((await call('GET', `${repoPath}:getIamPolicy`, { token })).status).toBe(200)
  })
})
