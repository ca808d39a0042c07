/**
 * Least privilege for later edits (REFERENCE.md, the article): roles/run.developer granted on the service
 * itself, not on the project. The project's testIamPermissions cannot see it; the check must ask the
 * service, and the deploy must go on.
 */
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { variant, withBinding, withoutBinding } from '../../emulator/scenarios/helpers.js'
import {
  ADMIN,
  DEPLOYER,
  IMAGE,
  TARGET_PROJECT,
  seedGranted
} from '../../emulator/scenarios/seed.js'
import { calls, runDeploy, serviceName, type FindingJson } from './deploy-support.js'

const SERVICE = serviceName('edits-only')

const scenario = variant(
  seedGranted,
  'resource-level-developer',
  'The deployer holds roles/run.developer on one existing service only (roles/viewer on the project).',
  s => withoutBinding(s, `projects/${TARGET_PROJECT}`, 'roles/run.developer', DEPLOYER),
  s => withBinding(s, `projects/${TARGET_PROJECT}`, 'roles/viewer', DEPLOYER),
  s => ({
    ...s,
    services: [{ name: SERVICE, template: { containers: [{ image: `${IMAGE}:v1` }] } }]
  })
)

let emulator: Emulator
beforeAll(async () => {
  emulator = await startTestEmulator(scenario, { operationDelayMs: 50 })
  emulator.setPolicyAs(ADMIN, SERVICE, policy => ({
    ...policy,
    bindings: [...(policy.bindings ?? []), { role: 'roles/run.developer', members: [DEPLOYER] }]
  }))
})
afterAll(() => emulator.close())
beforeEach(() => emulator.clearLog())

const findingsOf = (json: string | undefined) => JSON.parse(json ?? '{}').findings as FindingJson[]

test('an update allowed on the service itself is found there and deployed', async () => {
  const run = await runDeploy(emulator, { service: 'edits-only', image: `${IMAGE}:latest` })
  expect(run.exitCode).toBe(0)
  const update = findingsOf(run.outputs.report).find(f => f.permission === 'run.services.update')
  expect(update).toMatchObject({ status: 'ok', resource: SERVICE })
  expect(calls(emulator, 'run.services.testIamPermissions')).toHaveLength(1)
  expect(calls(emulator, 'run.services.patch')).toHaveLength(1)
  expect(emulator.cloudRun.getService(SERVICE)?.template?.containers?.[0]?.image).toBe(
    `${IMAGE}:latest`
  )
})

test('creating another service still needs run.services.create on the project', async () => {
  const run = await runDeploy(emulator, { service: 'brand-new', image: `${IMAGE}:latest` })
  expect(run.exitCode).toBe(1)
  const create = findingsOf(run.outputs.report).find(f => f.permission === 'run.services.create')
  expect(create).toMatchObject({ status: 'missing', resource: `projects/${TARGET_PROJECT}` })
  expect(create?.fix?.gcloud).toContain('--role=roles/run.developer')
  expect(calls(emulator, 'run.services.create')).toHaveLength(0)
})
