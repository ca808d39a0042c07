/**
 * The permission checks, end to end: the built action against the emulator, one Google Cloud situation
 * per test, asserting what a user sees (exit code, outputs, annotations, summary) and that nothing was
 * deployed or written where the run must stop.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Policy, Scenario } from '../../emulator/core.js'
import {
  digest,
  editPolicy,
  variant,
  withBinding,
  withoutBinding
} from '../../emulator/scenarios/helpers.js'
import {
  AR_SERVICE_AGENT,
  DEPLOYER,
  IMAGE,
  IMAGE_DIGESTS,
  IMAGE_PROJECT,
  ORGANIZATION,
  REPOSITORY,
  SERVICE_AGENT,
  SERVICE_AGENT_EMAIL,
  TARGET_PROJECT,
  VIRTUAL_IMAGE,
  seed,
  seedGranted,
  virtualUpstream,
  visible
} from '../../emulator/scenarios/seed.js'
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import type { ActionRun } from '../harness/runAction.js'
import {
  baseInputs,
  deployCalls,
  errors,
  findingsOf,
  iamWrites,
  missingPermissions,
  report,
  runAsDeployer,
  warnings
} from './permissions-support.js'

const READER = 'roles/artifactregistry.reader'
const DOWNLOAD = 'artifactregistry.repositories.downloadArtifacts'
const SAME_PROJECT_IMAGE = 'asia-northeast1-docker.pkg.dev/myproject-a/app/api:v1'

let emulator: Emulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

async function run(
  scenario: Scenario | string,
  inputs: Record<string, string>
): Promise<{ run: ActionRun; emulator: Emulator }> {
  emulator = await startTestEmulator(scenario)
  const result = await runAsDeployer(emulator, { ...baseInputs(), ...inputs })
  expect(result.stderr).toBe('')
  return { run: result, emulator }
}

const dryRun = (image: string, extra: Record<string, string> = {}) => ({
  image,
  dry_run: 'true',
  service_agent_access: 'check',
  ...extra
})

/** The one service-agent finding of a run. */
function agentFinding(actionRun: ActionRun) {
  const found = findingsOf(actionRun, 'service-agent')
  expect(found).toHaveLength(1)
  return found[0]
}

/** A run whose checks pass: exit 0, no error annotation, nothing written. */
function expectClean(actionRun: ActionRun, on: Emulator) {
  expect(actionRun.exitCode).toBe(0)
  expect(errors(actionRun)).toEqual([])
  expect(missingPermissions(actionRun)).toEqual([])
  expect(iamWrites(on)).toEqual([])
}

/** A run stopped before the deploy: exit 1, and neither a deploy call nor an IAM write reached Google. */
function expectStoppedBeforeDeploy(actionRun: ActionRun, on: Emulator) {
  expect(actionRun.exitCode).toBe(1)
  expect(deployCalls(on)).toEqual([])
  expect(iamWrites(on)).toEqual([])
}

/** The visible scenario, plus a binding for the service agent somewhere. */
const visibleWith = (name: string, resource: string, role: string, member = SERVICE_AGENT) =>
  variant(visible, name, `visible, with ${role} for ${member} on ${resource}`, s =>
    withBinding(s, resource, role, member)
  )

describe('when the service agent needs no check', () => {
  test('same project: not-needed, and the summary says why', async () => {
    const { run: r, emulator: e } = await run(visible, dryRun(SAME_PROJECT_IMAGE))
    expectClean(r, e)
    expect(r.outputs).toMatchObject({
      cross_project: 'false',
      image_project: TARGET_PROJECT,
      service_agent_access: 'not-needed',
      image_digest: digest('api:v1')
    })
    expect(findingsOf(r, 'service-agent')).toEqual([])
    expect(report(r).serviceAgentNote).toContain('in the target project myproject-a')
    expect(r.summary).toMatch(
      /Service agent access\*\* \| `not-needed`: the image is in the target project myproject-a/
    )
    // Nothing about the service agent was asked of Google.
    expect(e.requestLog.map(q => q.name)).not.toContain('policytroubleshooter.iam.troubleshoot')
  })

  test('Docker Hub: not-needed, no repository, no image lookup', async () => {
    const { run: r, emulator: e } = await run(visible, dryRun('nginx:1.27'))
    expectClean(r, e)
    expect(r.outputs).toMatchObject({
      cross_project: 'false',
      image_project: '',
      service_agent_access: 'not-needed',
      image_digest: ''
    })
    expect(report(r).repository).toBeUndefined()
    expect(r.summary).toContain('Docker Hub, which Cloud Run pulls without Google IAM')
    expect(e.requestLog.filter(q => q.name.startsWith('artifactregistry.'))).toEqual([])
  })
})

describe('the service agent can read the image', () => {
  const cases: [string, Scenario, string][] = [
    [
      'cross-project, binding on the repository',
      visibleWith('on-repository', REPOSITORY, READER),
      `through ${READER} on ${REPOSITORY}.`
    ],
    [
      'binding on the image project',
      visibleWith('on-project', `projects/${IMAGE_PROJECT}`, READER),
      `through ${READER} on projects/${IMAGE_PROJECT}.`
    ],
    [
      'through roles/viewer',
      visibleWith('viewer', `projects/${IMAGE_PROJECT}`, 'roles/viewer'),
      `through roles/viewer on projects/${IMAGE_PROJECT}.`
    ],
    [
      'public repository (allUsers)',
      visibleWith('public', REPOSITORY, READER, 'allUsers'),
      `through ${READER} on ${REPOSITORY} (bound to allUsers).`
    ]
  ]
  test.each(cases)('%s: ok, and the deploy would go on', async (_name, scenario, how) => {
    const { run: r, emulator: e } = await run(scenario, dryRun(`${IMAGE}:v1`))
    expectClean(r, e)
    expect(r.outputs).toMatchObject({
      cross_project: 'true',
      image_project: IMAGE_PROJECT,
      service_agent: SERVICE_AGENT_EMAIL,
      service_agent_access: 'ok',
      image_digest: IMAGE_DIGESTS.v1
    })
    const finding = agentFinding(r)
    expect(finding).toMatchObject({
      principal: SERVICE_AGENT,
      permission: DOWNLOAD,
      resource: REPOSITORY,
      status: 'ok'
    })
    expect(finding?.detail).toBe(`${SERVICE_AGENT} can read ${REPOSITORY} ${how}`)
    expect(r.summary).toContain('**Service agent access** | `ok`: ')
    expect(warnings(r)).toEqual([])
    expect(deployCalls(e)).toEqual([])
    // Nothing is fetched twice in a run.
    const calls = e.requestLog.map(q => `${q.method} ${q.path}`)
    expect(calls.filter((call, i) => calls.indexOf(call) !== i)).toEqual([])
  })

  test('through a custom role, decided from the policies when Policy Troubleshooter is not available', async () => {
    const puller = `projects/${IMAGE_PROJECT}/roles/puller`
    const scenario = variant(
      visible,
      'custom-role',
      'A custom role with downloadArtifacts, bound to the service agent on myrepo.',
      s => ({
        ...s,
        customRoles: [
          { name: puller, title: 'Puller', stage: 'GA', includedPermissions: [DOWNLOAD] }
        ]
      }),
      s => withBinding(s, REPOSITORY, puller, SERVICE_AGENT)
    )
    emulator = await startTestEmulator(scenario)
    // Troubleshooter denied: the action must expand the custom role itself (roles.get).
    emulator.addFault({
      route: 'policytroubleshooter.iam.troubleshoot',
      kind: 'status',
      status: 403
    })
    const r = await runAsDeployer(emulator, { ...baseInputs(), ...dryRun(`${IMAGE}:v1`) })
    expectClean(r, emulator)
    expect(r.outputs.service_agent_access).toBe('ok')
    expect(agentFinding(r)).toMatchObject({ status: 'ok', resource: REPOSITORY })
    expect(agentFinding(r)?.detail).toContain(`through ${puller} on ${REPOSITORY}`)
    // The custom role was read once, and predefined roles came from the built-in table.
    const roleReads = emulator.requestLog.filter(q => q.name.startsWith('iam.'))
    expect(roleReads.filter(q => q.name === 'iam.customRoles.get')).toHaveLength(1)
    expect(roleReads.filter(q => q.name === 'iam.roles.get')).toEqual([])
  })
})

describe('the service agent cannot read the image', () => {
  const withoutPermission = variant(
    visible,
    'role-without-permission',
    'The service agent holds roles/run.developer on myrepo, which has no downloadArtifacts.',
    s => withBinding(s, REPOSITORY, 'roles/run.developer', SERVICE_AGENT)
  )

  test('a role without the permission: missing, exit 1 in check mode, the fix in the annotation', async () => {
    // The checkout holds the workflow: the annotation is anchored at this action's step.
    const workspace = mkdtempSync(join(tmpdir(), 'workspace-'))
    mkdirSync(join(workspace, '.github', 'workflows'), { recursive: true })
    writeFileSync(
      join(workspace, '.github', 'workflows', 'deploy.yml'),
      [
        'on: push',
        'jobs:',
        '  deploy:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '      - uses: ./',
        '        with:',
        '          service: api'
      ].join('\n')
    )
    emulator = await startTestEmulator(withoutPermission)
    const e = emulator
    const r = await runAsDeployer(
      e,
      { ...baseInputs(), image: `${IMAGE}:v1`, service_agent_access: 'check' },
      { env: { GITHUB_WORKSPACE: workspace } }
    )
    expectStoppedBeforeDeploy(r, e)
    expect(r.outputs.service_agent_access).toBe('missing')
    const [error, ...others] = errors(r).filter(a => a.properties.title?.includes(DOWNLOAD))
    expect(others).toEqual([])
    expect(error?.properties).toEqual({
      title: `Missing ${DOWNLOAD}`,
      file: '.github/workflows/deploy.yml',
      line: '7'
    })
    expect(error?.message).toContain(`${SERVICE_AGENT} lacks ${DOWNLOAD} on ${REPOSITORY}`)
    expect(error?.message).toContain(
      'gcloud artifacts repositories add-iam-policy-binding myrepo --project=myproject-b ' +
        `--location=asia-northeast1 --member=${SERVICE_AGENT} --role=${READER}`
    )
    expect(error?.message).toContain(
      'resource "google_artifact_registry_repository_iam_member" "artifactregistry_reader"'
    )
    // The run's one-line failure says nothing was deployed.
    expect(errors(r).at(-1)?.message).toMatch(/missing .*nothing was deployed/)

    const missing = missingPermissions(r)
    expect(missing).toEqual([
      expect.objectContaining({
        check: 'service-agent',
        principal: SERVICE_AGENT,
        permission: DOWNLOAD,
        resource: REPOSITORY,
        status: 'missing',
        fix: expect.objectContaining({
          gcloud: expect.stringContaining(`--member=${SERVICE_AGENT} --role=${READER}`)
        })
      })
    ])
    expect(report(r)).toMatchObject({
      serviceAgentAccess: 'missing',
      crossProject: true,
      repository: REPOSITORY,
      dryRun: false
    })
    expect(r.summary).toContain('❌ missing')
    expect(r.summary).toContain('### How to fix')
  })

  test('dry run: the same missing permission fails the step, and nothing is deployed', async () => {
    const { run: r, emulator: e } = await run(withoutPermission, dryRun(`${IMAGE}:v1`))
    expectStoppedBeforeDeploy(r, e)
    expect(missingPermissions(r).map(f => f.permission)).toEqual([DOWNLOAD])
    expect(errors(r).at(-1)?.message).toMatch(/the deploy would fail/)
  })
})

describe('when the answer cannot be known', () => {
  const FUTURE = 'request.time < timestamp("2099-01-01T00:00:00Z")'
  const conditional = variant(
    visible,
    'conditional',
    'The service agent reads myrepo under a condition (temporary access).',
    s =>
      editPolicy(s, REPOSITORY, current => ({
        ...(current as Policy),
        version: 3,
        bindings: [
          ...(current?.bindings ?? []),
          {
            role: READER,
            members: [SERVICE_AGENT],
            condition: { title: 'until 2099', expression: FUTURE }
          }
        ]
      }))
  )

  test('a conditional binding: unknown, a warning naming the condition (dry run)', async () => {
    const { run: r } = await run(conditional, {
      image: `${IMAGE}:v1`,
      service_agent_access: 'check',
      dry_run: 'true'
    })
    expect(r.exitCode).toBe(0)
    expect(errors(r)).toEqual([])
    expect(r.outputs.service_agent_access).toBe('unknown')
    expect(agentFinding(r)).toMatchObject({ status: 'unknown', principal: SERVICE_AGENT })
    const [warning, ...more] = warnings(r).filter(a => a.properties.title?.includes(DOWNLOAD))
    expect(more).toEqual([])
    expect(warning?.properties.title).toBe(`Unverified ${DOWNLOAD}`)
    expect(warning?.message).toContain('"until 2099"')
    expect(warning?.message).toContain(FUTURE)
    expect(warning?.message).toContain('does not evaluate')
    expect(warning?.message).toContain(`--member=${SERVICE_AGENT} --role=${READER}`)
    expect(missingPermissions(r)).toEqual([])
  })

  test('a conditional binding: the deploy goes on, and its pull proves the access', async () => {
    const { run: r, emulator: e } = await run(conditional, {
      image: `${IMAGE}:v1`,
      service_agent_access: 'check'
    })
    expect(r.exitCode).toBe(0)
    expect(errors(r)).toEqual([])
    // Not a verified problem: the deploy went on, and wrote no IAM.
    expect(deployCalls(e).map(q => q.name)).toEqual(['run.services.create'])
    expect(iamWrites(e)).toEqual([])
    // Cloud Run pulled the image: the answer unknown before the deploy is proven, once, with its history.
    expect(r.outputs.service_agent_access).toBe('ok')
    expect(agentFinding(r)).toMatchObject({
      status: 'ok',
      history: 'unknown before the deploy, proven by it'
    })
    expect(warnings(r).filter(a => a.properties.title?.includes(DOWNLOAD))).toEqual([])
    expect(missingPermissions(r)).toEqual([])
  })

  test('a policy the caller cannot read: unknown, naming what could not be read and the role that can', async () => {
    const { run: r, emulator: e } = await run(seed, dryRun(`${IMAGE}:v1`))
    expectClean(r, e)
    expect(r.outputs.service_agent_access).toBe('unknown')
    const finding = agentFinding(r)
    expect(finding?.status).toBe('unknown')
    expect(finding?.detail).toContain(
      `the IAM policy of ${REPOSITORY} could not be read (artifactregistry.repositories.getIamPolicy denied)`
    )
    expect(finding?.detail).toContain('roles/artifactregistry.viewer')
    expect(finding?.detail).toContain(
      `the IAM policy of projects/${IMAGE_PROJECT} could not be read`
    )
    expect(finding?.detail).toContain('roles/iam.securityReviewer')
    const warning = warnings(r).find(a => a.properties.title === `Unverified ${DOWNLOAD}`)
    expect(warning?.message).toContain('could not be read')
    expect(warning?.message).toContain('would let the action read it')
    expect(r.summary).toContain('⚠️ unknown')
  })

  test('a virtual repository with an upstream Artifact Registry cannot read: missing, naming its agent and the upstream', async () => {
    const { run: r, emulator: e } = await run(
      variant(
        virtualUpstream,
        'virtual-visible',
        'virtual-upstream, with a deployer that can read the policies above myrepo',
        s => withBinding(s, `projects/${IMAGE_PROJECT}`, 'roles/viewer', DEPLOYER),
        s => withBinding(s, `organizations/${ORGANIZATION}`, 'roles/iam.securityReviewer', DEPLOYER)
      ),
      dryRun(VIRTUAL_IMAGE)
    )
    expectStoppedBeforeDeploy(r, e)
    expect(r.outputs).toMatchObject({
      cross_project: 'false',
      service_agent_access: 'missing',
      // The virtual repository stores nothing: the tag is resolved in the upstream that serves it.
      image_digest: IMAGE_DIGESTS.latest
    })
    const missing = missingPermissions(r)
    expect(missing).toEqual([
      expect.objectContaining({
        check: 'virtual-upstream',
        principal: AR_SERVICE_AGENT,
        permission: DOWNLOAD,
        resource: REPOSITORY,
        status: 'missing'
      })
    ])
    const error = errors(r).find(a => a.properties.title === `Missing ${DOWNLOAD}`)
    expect(error?.message).toContain(`${AR_SERVICE_AGENT} lacks ${DOWNLOAD} on ${REPOSITORY}`)
    expect(error?.message).toContain(`--member=${AR_SERVICE_AGENT} --role=${READER}`)
    // The summary explains the upstream, not only that Cloud Run's own agent needs nothing.
    expect(report(r).serviceAgentNote).toContain(`${AR_SERVICE_AGENT} cannot read ${REPOSITORY}`)
    expect(errors(r).at(-1)?.message).toMatch(
      new RegExp(`^1 required permission is missing \\(${DOWNLOAD}\\); the deploy would fail`)
    )
  })

  test('a virtual repository whose upstream policy the caller cannot read: unknown, naming the agent and the upstream', async () => {
    const { run: r, emulator: e } = await run(virtualUpstream, dryRun(VIRTUAL_IMAGE))
    expectClean(r, e)
    expect(r.outputs).toMatchObject({
      service_agent_access: 'unknown',
      image_digest: IMAGE_DIGESTS.latest
    })
    const [upstream, ...others] = findingsOf(r, 'virtual-upstream')
    expect(others).toEqual([])
    expect(upstream).toMatchObject({
      principal: AR_SERVICE_AGENT,
      resource: REPOSITORY,
      status: 'unknown'
    })
    const warning = warnings(r).find(a => a.message.includes(AR_SERVICE_AGENT))
    expect(warning?.properties.title).toBe(`Unverified ${DOWNLOAD}`)
    expect(warning?.message).toContain(
      `the IAM policy of ${REPOSITORY} could not be read (artifactregistry.repositories.getIamPolicy denied)`
    )
    expect(warning?.message).toContain('would let the action read it')
    expect(r.summary).toContain(`Could not verify that ${AR_SERVICE_AGENT.replace('@', '@\u200b')}`)
  })
})

describe('the image', () => {
  test('a missing tag is a finding: exit 1, nothing deployed', async () => {
    const { run: r, emulator: e } = await run(seedGranted, {
      image: `${IMAGE}:nope`,
      service_agent_access: 'check'
    })
    expectStoppedBeforeDeploy(r, e)
    expect(r.outputs.image_digest).toBe('')
    const [image] = findingsOf(r, 'image')
    expect(image).toMatchObject({ kind: 'image', status: 'missing' })
    expect(image?.detail).toContain('tag nope of myjob does not exist')
    const error = errors(r).find(a => a.properties.title === 'Image not found')
    expect(error?.message).toContain('CONTAINER_MISSING')
    expect(missingPermissions(r).map(f => f.check)).toEqual(['image'])
    expect(errors(r).at(-1)?.message).toBe(
      `the image ${IMAGE}:nope cannot be pulled; nothing was deployed. Each annotation names the fix.`
    )
  })

  test('a nested image path resolves its digest (no %252F)', async () => {
    const { run: r, emulator: e } = await run(
      seedGranted,
      dryRun(`asia-northeast1-docker.pkg.dev/myproject-b/myrepo/team/api:v2`)
    )
    expect(r.exitCode).toBe(0)
    expect(r.outputs.image_digest).toBe(digest('team/api:v2'))
    const tagCalls = e.requestLog.filter(q => q.name === 'artifactregistry.tags.get')
    expect(tagCalls.map(q => [q.path, q.status])).toEqual([
      [`/v1/${REPOSITORY}/packages/team%2Fapi/tags/v2`, 200]
    ])
    expect(findingsOf(r, 'image')[0]).toMatchObject({ status: 'ok' })
  })
})

describe('the deployer', () => {
  const OTHER_SA = `other@${TARGET_PROJECT}.iam.gserviceaccount.com`
  const granted = variant(
    visible,
    'granted-visible',
    'visible, with the service agent already reader on myrepo',
    s => withBinding(s, REPOSITORY, READER, SERVICE_AGENT)
  )

  test('missing actAs on the runtime service account', async () => {
    const scenario = variant(granted, 'no-act-as', 'a runtime SA the deployer may not use', s => ({
      ...s,
      serviceAccounts: [...(s.serviceAccounts ?? []), { email: OTHER_SA }]
    }))
    const { run: r, emulator: e } = await run(scenario, {
      image: `${IMAGE}:v1`,
      runtime_service_account: OTHER_SA
    })
    expectStoppedBeforeDeploy(r, e)
    const missing = missingPermissions(r)
    expect(missing).toEqual([
      expect.objectContaining({
        check: 'deployer',
        principal: DEPLOYER,
        permission: 'iam.serviceAccounts.actAs',
        resource: `projects/${TARGET_PROJECT}/serviceAccounts/${OTHER_SA}`
      })
    ])
    const error = errors(r).find(a => a.properties.title === 'Missing iam.serviceAccounts.actAs')
    expect(error?.message).toContain(
      `gcloud iam service-accounts add-iam-policy-binding ${OTHER_SA} --project=${TARGET_PROJECT} ` +
        `--member=${DEPLOYER} --role=roles/iam.serviceAccountUser`
    )
    expect(error?.message).toContain('resource "google_service_account_iam_member"')
    expect(r.outputs.service_agent_access).toBe('ok')
  })

  test('missing run.services.create on the target project', async () => {
    const scenario = variant(
      granted,
      'no-run-developer',
      'the deployer lost roles/run.developer on myproject-a; roles/viewer lets it read the project',
      s => withoutBinding(s, `projects/${TARGET_PROJECT}`, 'roles/run.developer', DEPLOYER),
      s => withBinding(s, `projects/${TARGET_PROJECT}`, 'roles/viewer', DEPLOYER)
    )
    const { run: r, emulator: e } = await run(scenario, { image: `${IMAGE}:v1` })
    expectStoppedBeforeDeploy(r, e)
    expect(missingPermissions(r)).toEqual([
      expect.objectContaining({
        check: 'deployer',
        principal: DEPLOYER,
        permission: 'run.services.create',
        resource: `projects/${TARGET_PROJECT}`
      })
    ])
    const error = errors(r).find(a => a.properties.title === 'Missing run.services.create')
    expect(error?.message).toContain(
      `gcloud projects add-iam-policy-binding ${TARGET_PROJECT} --member=${DEPLOYER} --role=roles/run.developer`
    )
    expect(error?.message).toContain('resource "google_project_iam_member"')
  })

  test('missing downloadArtifacts on the image repository', async () => {
    const scenario = variant(
      seed,
      'deployer-cannot-read',
      'the deployer lost roles/artifactregistry.reader on myrepo',
      s => withoutBinding(s, REPOSITORY, READER, DEPLOYER)
    )
    const { run: r, emulator: e } = await run(scenario, { image: `${IMAGE}:v1` })
    expectStoppedBeforeDeploy(r, e)
    const missing = missingPermissions(r)
    expect(missing).toEqual([
      expect.objectContaining({
        check: 'deployer',
        principal: DEPLOYER,
        permission: DOWNLOAD,
        resource: REPOSITORY
      })
    ])
    const error = errors(r).find(a => a.properties.title === `Missing ${DOWNLOAD}`)
    expect(error?.message).toContain(`${DEPLOYER} lacks ${DOWNLOAD}`)
    expect(error?.message).toContain(`--member=${DEPLOYER} --role=${READER}`)
  })
})
