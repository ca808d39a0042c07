/**
 * Issue 9, "deploys users can trust with production", the parts that depend on the situation around the
 * resource: remote and virtual repositories, bindings to groups, and how an operation is polled. One
 * emulator per test, since each needs its own scenario or options. Not test.concurrent: with it, jest's
 * worker for this file failed to exit gracefully here, and the runs gained nothing on two cores.
 * The rules about the deploy itself are in deploy-safety.test.ts.
 */
import type { Scenario } from '../../emulator/core.js'
import { variant, withBinding } from '../../emulator/scenarios/helpers.js'
import {
  REMOTE_IMAGE,
  REMOTE_REPOSITORY,
  REMOTE_VIRTUAL_IMAGE,
  remote
} from '../../emulator/scenarios/remote.js'
import {
  DEPLOYER,
  IMAGE,
  IMAGE_PROJECT,
  ORGANIZATION,
  REPOSITORY,
  SERVICE_AGENT,
  visible
} from '../../emulator/scenarios/seed.js'
import type { Emulator, StartOptions } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { uniqueName, type ActionRun } from '../harness/runAction.js'
import { errors, expectNoStackTrace, runDeploy, serviceName } from './deploy-support.js'
import { deployCalls, findingsOf, iamWrites, missingPermissions } from './permissions-support.js'

/** Starts an emulator for one test, runs the action once, and closes the emulator whatever happens. */
async function runIn(
  scenario: Scenario | string,
  inputs: Record<string, string>,
  check: (run: ActionRun, emulator: Emulator) => void,
  options: StartOptions = {}
): Promise<void> {
  const emulator = await startTestEmulator(scenario, { operationDelayMs: 200, ...options })
  try {
    const run = await runDeploy(emulator, inputs)
    expectNoStackTrace(run)
    check(run, emulator)
  } finally {
    await emulator.close()
  }
}

const imageOf = (emulator: Emulator, id: string) =>
  emulator.cloudRun.getService(serviceName(id))?.template?.containers?.[0]?.image

describe('remote repositories', () => {
  // Issue 9, defect 3: Artifact Registry answers 404 for a tag a remote repository has not cached yet,
  // and the action refused to deploy ("Image not found"). Whether it exists is known only at the pull:
  // the image is `unknown` before the deploy and settled by it.
  test('an image the remote repository has not cached yet is deployed; the pull settles its finding', async () => {
    const id = uniqueName('remote')
    await runIn('remote-granted', { service: id, image: REMOTE_IMAGE }, (run, emulator) => {
      expect(errors(run)).toEqual([])
      expect(run.exitCode).toBe(0)
      expect(run.outputs.outcome).toBe('deployed')
      expect(imageOf(emulator, id)).toBe(REMOTE_IMAGE)
      const [image] = findingsOf(run, 'image')
      expect(image).toMatchObject({
        status: 'ok',
        resource: `${REMOTE_REPOSITORY}/packages/library/nginx`,
        history: 'unknown before the deploy, proven by it'
      })
      expect(image?.detail).toContain('not cached in the remote repository')
      // Before the deploy it was asked for, and not found: the 404 that used to block.
      const lookups = emulator.requestLog.filter(r => r.name === 'artifactregistry.tags.get')
      expect(lookups.map(r => r.status)).toContain(404)
    })
  })

  // Issue 9, "Registries": the service agent's read access on the remote repository is still checked.
  // With a deployer that can read every policy, the agent's missing access is definite: blocked before
  // any write. (In the plain `remote` scenario the deployer cannot read the policies, so the answer is
  // unknown and the deploy's refused pull proves it instead.) The image itself stays `unknown`, not missing.
  test('a remote repository the service agent cannot read blocks the deploy, before any write', async () => {
    const remoteVisible = variant(
      remote,
      'remote-visible',
      'remote, with a deployer that can read every policy above the remote repository.',
      s => withBinding(s, `projects/${IMAGE_PROJECT}`, 'roles/viewer', DEPLOYER),
      s => withBinding(s, `organizations/${ORGANIZATION}`, 'roles/iam.securityReviewer', DEPLOYER)
    )
    const id = uniqueName('remote')
    await runIn(remoteVisible, { service: id, image: REMOTE_IMAGE }, (run, emulator) => {
      expect(run.exitCode).toBe(1)
      expect(run.outputs.outcome).toBe('blocked')
      expect(run.outputs.service_agent_access).toBe('missing')
      expect(missingPermissions(run)).toEqual([
        expect.objectContaining({
          check: 'service-agent',
          principal: SERVICE_AGENT,
          resource: REMOTE_REPOSITORY,
          status: 'missing',
          source: 'check'
        })
      ])
      expect(findingsOf(run, 'image').map(f => f.status)).toEqual(['unknown'])
      expect(deployCalls(emulator)).toEqual([])
      expect(iamWrites(emulator)).toEqual([])
      expect(emulator.cloudRun.getService(serviceName(id))).toBeUndefined()
    })
  })

  // Issue 9, "Registries": a virtual repository whose upstream is a remote one follows the same rule.
  test('a virtual repository over a remote one deploys too', async () => {
    const id = uniqueName('virtual')
    await runIn(
      'remote-virtual-granted',
      { service: id, image: REMOTE_VIRTUAL_IMAGE },
      (run, emulator) => {
        expect(errors(run)).toEqual([])
        expect(run.exitCode).toBe(0)
        expect(run.outputs.outcome).toBe('deployed')
        expect(imageOf(emulator, id)).toBe(REMOTE_VIRTUAL_IMAGE)
        const [image] = findingsOf(run, 'image')
        expect(image).toMatchObject({
          status: 'ok',
          history: 'unknown before the deploy, proven by it'
        })
      }
    )
  })
})

describe('group, domain and principalSet bindings', () => {
  // Issue 9, defect 9: a binding to a group that might hold the service agent was not counted, so
  // without Policy Troubleshooter the answer was a definite `missing` that blocked the run. The action
  // cannot list a group's members: the answer is `unknown`, naming the group.
  test('a reader role bound to a group makes the answer unknown, naming the group: the dry run passes', async () => {
    const GROUP = 'group:cloud-run-pullers@example.com'
    const scenario = variant(
      visible,
      'group-reader',
      'visible, with the reader role on myrepo bound to a group and none to the service agent itself.',
      s => withBinding(s, REPOSITORY, 'roles/artifactregistry.reader', GROUP)
    )
    await runIn(
      scenario,
      { service: uniqueName('group'), image: `${IMAGE}:v1`, dry_run: 'true' },
      (run, emulator) => {
        expect(errors(run)).toEqual([])
        expect(run.exitCode).toBe(0)
        expect(run.outputs.outcome).toBe('dry-run')
        expect(run.outputs.service_agent_access).toBe('unknown')
        const [agent] = findingsOf(run, 'service-agent')
        expect(agent).toMatchObject({ status: 'unknown', resource: REPOSITORY })
        expect(agent?.detail).toContain(GROUP)
        expect(missingPermissions(run)).toEqual([])
        // Troubleshooter was asked, and could not help: the policies decided.
        expect(
          emulator.requestLog.filter(r => r.name === 'policytroubleshooter.iam.troubleshoot')
        ).not.toEqual([])
        expect(deployCalls(emulator)).toEqual([])
      },
      {
        faults: [{ route: 'policytroubleshooter.iam.troubleshoot', kind: 'status', status: 403 }]
      }
    )
  })
})

describe('polling', () => {
  // Issue 9, defect 6: operations.wait was called back to back; a server that answers a wait at once
  // (the contract allows it) made a 10-second operation cost thousands of requests. The loop keeps its
  // own pace: at most 15 polls for it, and a progress line every few seconds, not one per poll.
  test('a 10-second operation against waits that return at once: at most 15 polls, a few progress lines', async () => {
    const id = uniqueName('paced')
    await runIn(
      'seed-granted',
      { service: id, image: `${IMAGE}:v1` },
      (run, emulator) => {
        expect(errors(run)).toEqual([])
        expect(run.exitCode).toBe(0)
        const operations = emulator.cloudRun
          .listOperations()
          .filter(o => (o.metadata as { name?: string } | undefined)?.name === serviceName(id))
        expect(operations).toHaveLength(1)
        const operationId = operations[0]?.name?.split('/').pop() ?? 'none'
        const polls = emulator.requestLog.filter(
          r => r.name.startsWith('run.operations.') && r.path.includes(operationId)
        )
        expect(polls.length).toBeGreaterThanOrEqual(1)
        expect(polls.length).toBeLessThanOrEqual(15)
        // One line every few seconds of the operation's 10, however many polls (counts, not timings:
        // how many lines a loaded machine prints may vary, never beyond this).
        const progress = run.stdout.split('\n').filter(line => line.startsWith('Waiting: '))
        expect(progress.length).toBeLessThanOrEqual(4)
        expect(progress.length).toBeLessThan(polls.length)
      },
      { waitReturnsAtOnce: true, operationDelayMs: 10_000 }
    )
  })
})
