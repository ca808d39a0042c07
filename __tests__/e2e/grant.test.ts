/**
 * service_agent_access: grant, end to end: the one binding it may write, on the repository only, as a
 * true read-modify-write (every other binding, condition and audit config survives), idempotent, retried
 * on a concurrent change, refused cleanly without setIamPolicy, and safe when ten runs race another writer.
 */
import type { Policy, Scenario } from '../../emulator/core.js'
import { editPolicy, user, variant } from '../../emulator/scenarios/helpers.js'
import {
  DEPLOYER,
  IMAGE,
  IMAGE_PROJECT,
  ORGANIZATION,
  REPOSITORY,
  SERVICE_AGENT,
  TARGET_PROJECT,
  demo,
  seed,
  visible
} from '../../emulator/scenarios/seed.js'
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import {
  baseInputs,
  deployCalls,
  errors,
  iamWrites,
  missingPermissions,
  report,
  runAsDeployer
} from './permissions-support.js'

const READER = 'roles/artifactregistry.reader'
const DOWNLOAD = 'artifactregistry.repositories.downloadArtifacts'
const SET_POLICY = 'artifactregistry.repositories.setIamPolicy'
const ADMIN_COMMAND =
  'gcloud artifacts repositories add-iam-policy-binding myrepo --project=myproject-b ' +
  `--location=asia-northeast1 --member=${SERVICE_AGENT} --role=${READER}`
const OTHER_RESOURCES = [
  `projects/${TARGET_PROJECT}`,
  `projects/${IMAGE_PROJECT}`,
  `organizations/${ORGANIZATION}`
]

/** myrepo's policy as a real one looks: conditional bindings and audit configs, version 3. */
const rich = (base: Scenario): Scenario =>
  variant(base, `${base.name}-rich`, 'myrepo with conditions and audit configs', s =>
    editPolicy(s, REPOSITORY, current => ({
      ...(current as Policy),
      version: 3,
      bindings: [
        ...(current?.bindings ?? []),
        {
          role: 'roles/artifactregistry.writer',
          members: [user('release@example.com'), 'group:release@example.com'],
          condition: {
            title: 'business hours',
            description: 'pushes only on weekdays',
            expression: 'request.time.getDayOfWeek("Asia/Tokyo") < 5'
          }
        },
        {
          role: READER,
          members: [user('contractor@example.com')],
          condition: {
            title: 'until 2099',
            expression: 'request.time < timestamp("2099-01-01T00:00:00Z")'
          }
        },
        { role: 'roles/artifactregistry.repoAdmin', members: [user('owner@example.com')] }
      ],
      auditConfigs: [
        {
          service: 'artifactregistry.googleapis.com',
          auditLogConfigs: [
            { logType: 'DATA_READ', exemptedMembers: [user('bot@example.com')] },
            { logType: 'DATA_WRITE' }
          ]
        }
      ]
    }))
  )

const grantInputs = (service = 'api') => ({
  ...baseInputs(service),
  image: `${IMAGE}:v1`,
  service_agent_access: 'grant'
})

/** The policy without the etag, and without the service agent in the unconditional reader binding. */
function withoutAgent(policy: Policy): Policy {
  const rest = structuredClone(policy)
  delete rest.etag
  return {
    ...rest,
    bindings: (rest.bindings ?? [])
      .map(b =>
        b.role === READER && !b.condition
          ? { ...b, members: (b.members ?? []).filter(m => m !== SERVICE_AGENT) }
          : b
      )
      .filter(b => (b.members ?? []).length > 0)
  }
}

/** How often the service agent is a member of an unconditional reader binding. */
const agentMemberships = (policy: Policy) =>
  (policy.bindings ?? [])
    .filter(b => b.role === READER && !b.condition)
    .flatMap(b => b.members ?? [])
    .filter(m => m === SERVICE_AGENT).length

const snapshot = (e: Emulator) =>
  Object.fromEntries(OTHER_RESOURCES.map(r => [r, JSON.stringify(e.getPolicy(r))]))

let emulator: Emulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

describe('grant', () => {
  test('writes the one binding on the repository, keeps everything else byte for byte, and a rerun writes nothing', async () => {
    emulator = await startTestEmulator(rich(demo))
    const before = emulator.getPolicy(REPOSITORY)
    expect(before.version).toBe(3)
    const others = snapshot(emulator)

    const first = await runAsDeployer(emulator, grantInputs())
    expect(first.stderr).toBe('')
    expect(first.exitCode).toBe(0)
    expect(errors(first)).toEqual([])
    expect(first.outputs.service_agent_access).toBe('granted')
    expect(missingPermissions(first)).toEqual([])
    expect(report(first).grant).toEqual({
      repository: REPOSITORY,
      member: SERVICE_AGENT,
      role: READER,
      by: DEPLOYER,
      result: 'granted',
      attempts: 1,
      etags: { before: expect.any(String), after: expect.any(String) }
    })
    expect(first.summary).toContain('### IAM changes')
    expect(first.summary).toContain(
      `Granted \`${READER}\` to \`${SERVICE_AGENT}\` on \`${REPOSITORY}\`, as \`${DEPLOYER}\` (attempts: 1).`
    )

    const after = emulator.getPolicy(REPOSITORY)
    expect(agentMemberships(after)).toBe(1)
    expect(after.etag).not.toBe(before.etag)
    // Every other binding, member, condition and audit config, in order, as it was.
    expect(JSON.stringify(withoutAgent(after))).toBe(JSON.stringify(withoutAgent(before)))
    expect(after.auditConfigs).toEqual(before.auditConfigs)
    // One write, on the repository, by the deployer; project and organisation policies untouched.
    expect(iamWrites(emulator).map(w => [w.name, w.path, w.status, w.principal])).toEqual([
      [
        'artifactregistry.repositories.setIamPolicy',
        `/v1/${REPOSITORY}:setIamPolicy`,
        200,
        DEPLOYER
      ]
    ])
    expect(snapshot(emulator)).toEqual(others)
    // Then the deploy went on.
    expect(deployCalls(emulator).map(c => c.name)).toEqual(['run.services.create'])
    expect(first.outputs.url).toMatch(/^https:\/\//)

    emulator.clearLog()
    const second = await runAsDeployer(emulator, grantInputs())
    expect(second.exitCode).toBe(0)
    expect(second.outputs.service_agent_access).toBe('ok')
    expect(report(second).grant).toBeUndefined()
    expect(second.summary).not.toContain('### IAM changes')
    expect(iamWrites(emulator)).toEqual([])
    expect(emulator.getPolicy(REPOSITORY)).toEqual(after)
  })

  test('a 409 (concurrent change) in the middle is retried with a fresh read', async () => {
    emulator = await startTestEmulator(rich(demo))
    // The injected fault answers as Google does for a stale etag: 409 ABORTED.
    emulator.addFault({
      route: 'artifactregistry.repositories.setIamPolicy',
      kind: 'status',
      status: 409,
      times: 1
    })
    const probe = await fetch(`${emulator.url}v1/${REPOSITORY}:setIamPolicy`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emulator.issueAccessToken(DEPLOYER)}` },
      body: '{}'
    })
    expect(probe.status).toBe(409)
    expect(await probe.json()).toMatchObject({ error: { code: 409, status: 'ABORTED' } })

    const before = emulator.getPolicy(REPOSITORY)
    emulator.clearLog()
    emulator.addFault({
      route: 'artifactregistry.repositories.setIamPolicy',
      kind: 'status',
      status: 409,
      times: 1
    })
    const r = await runAsDeployer(emulator, grantInputs())
    expect(r.exitCode).toBe(0)
    expect(r.outputs.service_agent_access).toBe('granted')
    expect(report(r).grant).toMatchObject({ result: 'granted', attempts: 2 })
    expect(r.summary).toContain('(attempts: 2)')
    expect(iamWrites(emulator).map(w => w.status)).toEqual([409, 200])
    // Each attempt read the policy again before writing.
    const sequence = emulator.requestLog
      .map(q => q.name)
      .filter(n => /^artifactregistry\.repositories\.(get|set)IamPolicy$/.test(n))
      .slice(-4)
    expect(sequence).toEqual([
      'artifactregistry.repositories.getIamPolicy',
      'artifactregistry.repositories.setIamPolicy',
      'artifactregistry.repositories.getIamPolicy',
      'artifactregistry.repositories.setIamPolicy'
    ])
    const after = emulator.getPolicy(REPOSITORY)
    expect(agentMemberships(after)).toBe(1)
    expect(JSON.stringify(withoutAgent(after))).toBe(JSON.stringify(withoutAgent(before)))
  })

  test.each([
    ['visible', visible, 'missing'],
    ['seed', seed, 'unknown']
  ] as const)(
    'a caller without setIamPolicy (%s) gets the missing permission and the command an administrator can run',
    async (_name, scenario, agentStatus) => {
      emulator = await startTestEmulator(scenario)
      const before = emulator.getPolicy(REPOSITORY)
      const others = snapshot(emulator)
      const r = await runAsDeployer(emulator, grantInputs())
      expect(r.stderr).toBe('')
      expect(r.exitCode).toBe(1)
      // The agent's access is reported as the check found it; the refused grant fails the run.
      expect(r.outputs.service_agent_access).toBe(agentStatus)

      const refused = missingPermissions(r).find(f => f.permission === SET_POLICY)
      expect(refused).toMatchObject({
        check: 'grant',
        principal: DEPLOYER,
        resource: REPOSITORY,
        status: 'missing',
        fix: { gcloud: ADMIN_COMMAND }
      })
      expect(refused?.detail).toContain('An administrator of')
      const error = errors(r).find(a => a.properties.title === `Missing ${SET_POLICY}`)
      expect(error?.message).toContain(`${DEPLOYER} lacks ${SET_POLICY} on ${REPOSITORY}`)
      expect(error?.message).toContain(`Fix: ${ADMIN_COMMAND}`)
      expect(error?.message).toContain(`member     = "${SERVICE_AGENT}"`)
      // The service agent's own finding is reported as the check found it.
      const agent = report(r).findings.find(f => f.check === 'service-agent')
      expect(agent).toMatchObject({ permission: DOWNLOAD, status: agentStatus })
      expect(errors(r).at(-1)?.message).toContain(SET_POLICY)
      expect(errors(r).at(-1)?.message).toContain('nothing was deployed')

      // Nothing written, nothing deployed: not even a write attempt that could only be refused.
      expect(iamWrites(emulator)).toEqual([])
      expect(deployCalls(emulator)).toEqual([])
      expect(emulator.getPolicy(REPOSITORY)).toEqual(before)
      expect(snapshot(emulator)).toEqual(others)
    }
  )

  test('dry run: reports what it would grant, writes nothing, and stays green', async () => {
    emulator = await startTestEmulator(rich(demo))
    const before = emulator.getPolicy(REPOSITORY)
    const r = await runAsDeployer(emulator, { ...grantInputs(), dry_run: 'true' })
    expect(r.exitCode).toBe(0)
    expect(errors(r)).toEqual([])
    expect(report(r).grant).toEqual({
      repository: REPOSITORY,
      member: SERVICE_AGENT,
      role: READER,
      by: DEPLOYER,
      result: 'would-grant',
      attempts: 0
    })
    expect(r.summary).toContain(
      `Dry run: would grant \`${READER}\` to \`${SERVICE_AGENT}\` on \`${REPOSITORY}\`, as \`${DEPLOYER}\`.`
    )
    // The agent lacks access today: the outputs say so, as a warning rather than an error.
    expect(r.outputs.service_agent_access).toBe('missing')
    expect(missingPermissions(r).map(f => [f.principal, f.permission])).toEqual([
      [SERVICE_AGENT, DOWNLOAD]
    ])
    expect(r.annotations.find(a => a.properties.title === `Missing ${DOWNLOAD}`)?.command).toBe(
      'warning'
    )
    expect(iamWrites(emulator)).toEqual([])
    expect(deployCalls(emulator)).toEqual([])
    expect(emulator.getPolicy(REPOSITORY)).toEqual(before)
  })
})

describe('race', () => {
  test('ten grant runs at once while another writer edits the same policy: every binding survives, the agent once', async () => {
    // Latency on every call widens the window between each run's read and write, as a real network
    // does, so that the runs and the other writer overlap instead of taking turns.
    emulator = await startTestEmulator(rich(demo), { latencyMs: 150 })
    const e = emulator
    const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
    const writers = Array.from({ length: 10 }, (_, i) => user(`other-writer-${i}@example.com`))
    const otherWriter = (async () => {
      // Start when the runs reach the repository, not while their processes are still starting.
      while (!e.requestLog.some(q => q.name.startsWith('artifactregistry.'))) await sleep(5)
      for (const member of writers) {
        await sleep(30)
        e.setPolicyAs(user('admin@example.com'), REPOSITORY, policy => ({
          ...policy,
          bindings: [
            ...(policy.bindings ?? []),
            { role: 'roles/artifactregistry.writer', members: [member] }
          ]
        }))
      }
    })()
    const runs = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => runAsDeployer(e, grantInputs(`race-${i}`))),
      otherWriter
    ])
    for (const r of runs.slice(0, 10)) {
      expect(r?.stderr).toBe('')
      expect(r?.exitCode).toBe(0)
    }
    const after = e.getPolicy(REPOSITORY)
    expect(agentMemberships(after)).toBe(1)
    const writerMembers = (after.bindings ?? [])
      .filter(b => b.role === 'roles/artifactregistry.writer' && !b.condition)
      .flatMap(b => b.members ?? [])
    expect(writerMembers.sort()).toEqual([...writers].sort())
    // The scenario's own bindings and conditions are all still there.
    for (const binding of rich(demo).repositories?.find(r => r.name === REPOSITORY)?.policy
      ?.bindings ?? []) {
      const kept = after.bindings?.find(
        b =>
          b.role === binding.role &&
          JSON.stringify(b.condition) === JSON.stringify(binding.condition)
      )
      expect(kept?.members).toEqual(expect.arrayContaining(binding.members ?? []))
    }
    // Exactly one run wrote the binding; every run deployed its own service.
    const granted = runs
      .slice(0, 10)
      .map(r => (r ? report(r).grant?.result : undefined))
      .filter(result => result === 'granted')
    expect(granted).toHaveLength(1)
    expect(deployCalls(e).filter(c => c.name === 'run.services.create')).toHaveLength(10)
  })
})
