/**
 * The foundation, end to end: the built action authenticates both ways against the emulator and, in a dry
 * run, reports the target project's number, the service agent, the image's project and repository.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { runAction, type ActionRun } from '../harness/runAction.js'

const PROVIDER =
  'projects/111111111111/locations/global/workloadIdentityPools/github/providers/github'
const DEPLOYER = 'deployer@myproject-a.iam.gserviceaccount.com'
const SEED_IMAGE = 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob'
const SERVICE_AGENT = 'service-111111111111@serverless-robot-prod.iam.gserviceaccount.com'

let emulator: Emulator
let credentialsDir: string

beforeAll(async () => {
  emulator = await startTestEmulator('seed')
  credentialsDir = mkdtempSync(join(tmpdir(), 'adc-'))
})
afterAll(() => emulator.close())
beforeEach(() => emulator.clearLog())

const dryRunInputs = {
  service: 'api',
  image: SEED_IMAGE,
  region: 'asia-northeast1',
  project_id: 'myproject-a',
  dry_run: 'true'
}

function runWithAdc(inputs: Record<string, string>, serviceAccount: string | undefined = DEPLOYER) {
  const credentials = emulator.writeExternalAccountFile(credentialsDir, {
    provider: PROVIDER,
    serviceAccount
  })
  return runAction({
    inputs,
    env: { ...emulator.env, GOOGLE_APPLICATION_CREDENTIALS: credentials }
  })
}

function runFederated(
  inputs: Record<string, string>,
  env: Record<string, string | undefined> = {}
) {
  return runAction({
    inputs: { workload_identity_provider: PROVIDER, ...inputs },
    env: { ...emulator.env, ...env }
  })
}

/** Every token the emulator issued appears in stdout only inside ::add-mask::, and nowhere else. */
function expectNoTokenLeak(run: ActionRun) {
  const visible = [
    run.stdout
      .split('\n')
      .filter(line => !line.startsWith('::add-mask::'))
      .join('\n'),
    run.stderr,
    run.summary,
    JSON.stringify(run.outputs)
  ].join('\n')
  for (const token of emulator.tokens()) expect(visible).not.toContain(token)
}

function expectSeedFacts(run: ActionRun) {
  expect(run.stderr).toBe('')
  expect(run.exitCode).toBe(0)
  expect(run.outputs).toMatchObject({
    service_agent: SERVICE_AGENT,
    image_project: 'myproject-b',
    cross_project: 'true'
  })
  expect(JSON.parse(run.outputs.report ?? '{}')).toMatchObject({
    target: {
      projectId: 'myproject-a',
      projectNumber: '111111111111',
      kind: 'service',
      name: 'api'
    },
    repository: 'projects/myproject-b/locations/asia-northeast1/repositories/myrepo',
    crossProject: true
  })
  expect(run.summary).toContain('`111111111111`')
  expect(run.summary).toContain(`\`${SERVICE_AGENT}\``)
  expect(run.summary).toContain(
    '`projects/myproject-b/locations/asia-northeast1/repositories/myrepo`'
  )
  expect(run.summary).toMatch(/Cross-project\*\* \| \*\*yes\*\*/)
  expectNoTokenLeak(run)
}

describe('authentication', () => {
  test('ADC from an external_account file with impersonation (what google-github-actions/auth leaves)', async () => {
    const run = await runWithAdc(dryRunInputs)
    expectSeedFacts(run)
    expect(run.outputs.report).toContain(`serviceAccount:${DEPLOYER}`)
    const calls = emulator.requestLog.filter(r => r.name.startsWith('cloudresourcemanager'))
    expect(calls.map(r => r.principal)).toContain(`serviceAccount:${DEPLOYER}`)
    // Every token the action obtained is masked before use.
    const issued = emulator.tokens()
    expect(run.masked.some(value => issued.includes(value))).toBe(true)
  })

  test('direct federation from the OIDC endpoint, with impersonation', async () => {
    const run = await runFederated({ ...dryRunInputs, service_account: DEPLOYER })
    expectSeedFacts(run)
    const names = emulator.requestLog.map(r => r.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'github.oidc.token',
        'sts.token',
        'iamcredentials.generateAccessToken'
      ])
    )
    const rm = emulator.requestLog.find(r => r.name.startsWith('cloudresourcemanager'))
    expect(rm?.principal).toBe(`serviceAccount:${DEPLOYER}`)
  })

  test('direct federation without impersonation acts as the federated principal', async () => {
    const run = await runFederated(dryRunInputs)
    expectSeedFacts(run)
    expect(emulator.requestLog.map(r => r.name)).not.toContain('iamcredentials.generateAccessToken')
    const rm = emulator.requestLog.find(r => r.name.startsWith('cloudresourcemanager'))
    expect(rm?.principal).toMatch(
      /^principal:\/\/iam\.googleapis\.com\/projects\/111111111111\/locations\/global\/workloadIdentityPools\/github\/subject\/repo:octo-org\/octo-repo:ref:refs\/heads\/main$/
    )
  })

  test('no id-token permission: one line that says which permission to add', async () => {
    const run = await runFederated(dryRunInputs, {
      ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined
    })
    expect(run.exitCode).toBe(1)
    const errors = run.annotations.filter(a => a.command === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]?.message).toContain('id-token: write')
    expect(emulator.requestLog).toHaveLength(0)
  })

  /** A run of `eventName` for pull request 7, whose head lives in `head`, with no OIDC token offered. */
  function runWithoutOidcToken(eventName: string, head: { full_name: string; fork: boolean }) {
    return runAction({
      inputs: { workload_identity_provider: PROVIDER, ...dryRunInputs },
      env: {
        ...emulator.env,
        ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined
      },
      eventName,
      event: {
        repository: { full_name: 'octo-org/octo-repo', fork: false },
        pull_request: {
          number: 7,
          head: { ref: 'feature', repo: head },
          base: { ref: 'main', repo: { full_name: 'octo-org/octo-repo', fork: false } }
        }
      }
    })
  }

  const errorMessages = (run: ActionRun) =>
    run.annotations.filter(a => a.command === 'error').map(a => a.message)

  test('a pull request from a fork is told why there is no token', async () => {
    const run = await runWithoutOidcToken('pull_request', {
      full_name: 'someone/octo-repo',
      fork: true
    })
    expect(run.exitCode).toBe(1)
    const [message = ''] = errorMessages(run)
    expect(errorMessages(run)).toHaveLength(1)
    expect(message).toMatch(/forks/)
    expect(message).toContain('someone/octo-repo')
    expect(message).not.toContain('id-token: write')
    expect(emulator.requestLog).toHaveLength(0)
  })

  test('pull_request_target: GitHub issues tokens there, so the permission is what is missing', async () => {
    // From a fork too: pull_request_target runs in the base repository's context.
    const run = await runWithoutOidcToken('pull_request_target', {
      full_name: 'someone/octo-repo',
      fork: true
    })
    expect(run.exitCode).toBe(1)
    expect(errorMessages(run)).toEqual([
      'GitHub provided no OIDC token. On pull_request_target the workflow runs in the base ' +
        "repository's context and GitHub does issue OIDC tokens, even for a pull request from a fork: " +
        'give the job `permissions: id-token: write` (and keep `contents: read`).'
    ])
    expect(emulator.requestLog).toHaveLength(0)
  })

  test('a pull request from a branch of a repository that is itself a fork is not "from a fork"', async () => {
    // head.repo.fork is true here (the repository is a fork of another), but head and base are one.
    const run = await runWithoutOidcToken('pull_request', {
      full_name: 'octo-org/octo-repo',
      fork: true
    })
    expect(run.exitCode).toBe(1)
    expect(errorMessages(run)).toEqual([
      'GitHub provided no OIDC token: give the job `permissions: id-token: write` (and keep `contents: read`).'
    ])
  })

  test('STS refusing the token names the provider and what to check', async () => {
    const unknown = PROVIDER.replace('providers/github', 'providers/nope')
    const run = await runFederated({ ...dryRunInputs, workload_identity_provider: unknown })
    expect(run.exitCode).toBe(1)
    const message = run.annotations.find(a => a.command === 'error')?.message ?? ''
    expect(message).toContain(unknown)
    expect(message).toContain('invalid_target')
    expect(message.split('\n')).toHaveLength(1)
  })

  test('impersonation denied gives the workloadIdentityUser fix', async () => {
    const run = await runFederated({
      ...dryRunInputs,
      service_account: 'runtime@myproject-a.iam.gserviceaccount.com'
    })
    expect(run.exitCode).toBe(1)
    const message = run.annotations.find(a => a.command === 'error')?.message ?? ''
    expect(message).toContain('iam.serviceAccounts.getAccessToken')
    expect(message).toContain('roles/iam.workloadIdentityUser')
    expect(message).toContain(
      'principalSet://iam.googleapis.com/projects/111111111111/locations/global/workloadIdentityPools/github/attribute.repository/octo-org/octo-repo'
    )
  })
})

describe('dry run facts', () => {
  test('same-project image needs no service-agent check, and the summary says why', async () => {
    const run = await runWithAdc({
      ...dryRunInputs,
      image: 'asia-northeast1-docker.pkg.dev/myproject-a/app/api:v1'
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      cross_project: 'false',
      image_project: 'myproject-a',
      service_agent_access: 'not-needed'
    })
    expect(run.summary).toContain('in the target project myproject-a')
  })

  test('Docker Hub image has no image project', async () => {
    const run = await runWithAdc({ ...dryRunInputs, image: 'nginx:1.27' })
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      cross_project: 'false',
      image_project: '',
      service_agent_access: 'not-needed',
      service_agent: SERVICE_AGENT
    })
    expect(run.summary).toContain('Docker Hub')
  })

  test('bad input: one line naming the input, exit 1, no call to Google', async () => {
    const run = await runWithAdc({ ...dryRunInputs, service: 'Bad_Name' })
    expect(run.exitCode).toBe(1)
    expect(run.annotations).toHaveLength(1)
    expect(run.annotations[0]?.message).toMatch(/^Input service: got "Bad_Name"; expected .*\.$/)
    expect(run.stderr).toBe('')
    expect(run.stdout).not.toMatch(/\n\s+at /)
    expect(emulator.requestLog).toHaveLength(0)
  })
})
