/**
 * Secrets: across a representative set of runs (ADC and direct federation, with and without
 * impersonation, refused authentication, a failed check, a failed deploy, an outage, a PR comment), no
 * token the emulator issued (the runner's request token, GitHub's OIDC token, STS's federated token, the
 * access tokens) nor the GitHub token appears in what a user or a later step can see: stdout outside the
 * runner's ::add-mask:: lines, stderr, the job summary, the outputs, the PR comment. And each token went
 * only to its own host: the runner's request token to the OIDC endpoint, Google tokens to Google's APIs,
 * the GitHub token to GitHub's API and nowhere else.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGitHubApi, type GitHubApi } from '../../emulator/github.js'
import { DEPLOYER_EMAIL, IMAGE, PROVIDER, REGION } from '../../emulator/scenarios/seed.js'
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { FAKE_GITHUB_TOKEN, runAction, type ActionRun } from '../harness/runAction.js'

const credentialsDir = mkdtempSync(join(tmpdir(), 'secrets-'))
const PULL_REQUEST = {
  pull_request: { number: 7 },
  repository: { full_name: 'octo-org/octo-repo' }
}

interface Scenario {
  readonly name: string
  readonly scenario: string
  readonly auth: 'adc' | 'adc+impersonation' | 'federation' | 'federation+impersonation'
  readonly inputs?: Readonly<Record<string, string>>
  readonly exitCode: number
  /** Arm the emulator before the run (faults). */
  readonly arm?: (emulator: Emulator) => void
}

const RUNS: readonly Scenario[] = [
  {
    name: 'ADC with impersonation, deploy',
    scenario: 'seed-granted',
    auth: 'adc+impersonation',
    exitCode: 0
  },
  { name: 'ADC without impersonation, deploy', scenario: 'seed-granted', auth: 'adc', exitCode: 0 },
  {
    name: 'federation with impersonation, deploy',
    scenario: 'seed-granted',
    auth: 'federation+impersonation',
    exitCode: 0
  },
  {
    name: 'federation without impersonation, dry run',
    scenario: 'seed',
    auth: 'federation',
    inputs: { dry_run: 'true' },
    exitCode: 0
  },
  {
    name: 'STS refuses the token',
    scenario: 'seed',
    auth: 'federation',
    inputs: {
      workload_identity_provider: PROVIDER.replace('providers/github', 'providers/nope')
    },
    exitCode: 1
  },
  {
    name: 'impersonation refused (ADC)',
    scenario: 'seed',
    auth: 'adc',
    inputs: { service_account: 'runtime@myproject-a.iam.gserviceaccount.com' },
    exitCode: 1
  },
  {
    name: 'impersonation refused (federation)',
    scenario: 'seed',
    auth: 'federation',
    inputs: { service_account: 'runtime@myproject-a.iam.gserviceaccount.com' },
    exitCode: 1
  },
  {
    name: 'the check fails: the service agent cannot read the image',
    scenario: 'demo',
    auth: 'adc+impersonation',
    exitCode: 1
  },
  {
    name: 'the deploy fails: the pull is refused after the check was skipped',
    scenario: 'seed',
    auth: 'federation+impersonation',
    inputs: { service_agent_access: 'skip' },
    exitCode: 1
  },
  {
    name: 'grant and deploy',
    scenario: 'demo',
    auth: 'adc+impersonation',
    inputs: { service_agent_access: 'grant' },
    exitCode: 0
  },
  {
    name: 'STS down for good',
    scenario: 'seed',
    auth: 'adc+impersonation',
    arm: emulator => emulator.addFault({ route: 'sts.token', kind: 'status', status: 503 }),
    exitCode: 1
  },
  {
    name: 'Cloud Run down for good after authentication',
    scenario: 'seed-granted',
    auth: 'federation+impersonation',
    arm: emulator => emulator.addFault({ route: 'run.*', kind: 'status', status: 503 }),
    exitCode: 1
  }
]

/** The secret parts of a token: a JWT's header is the same for every token and not secret. */
function secretParts(token: string): string[] {
  const parts = token.split('.')
  return parts.length === 3 ? [parts[1] ?? '', parts[2] ?? ''].filter(p => p.length >= 16) : [token]
}

/** Everything a user or a later step sees, by where it is seen. */
function visible(run: ActionRun, github: GitHubApi): Record<string, string> {
  return {
    stdout: run.stdout
      .split('\n')
      .filter(line => !line.startsWith('::add-mask::'))
      .join('\n'),
    stderr: run.stderr,
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
    'PR comment': github.comments.map(c => c.body).join('\n')
  }
}

function start(emulator: Emulator, scenario: Scenario, github: GitHubApi): Promise<ActionRun> {
  const impersonate = scenario.auth.endsWith('+impersonation') ? DEPLOYER_EMAIL : undefined
  const adc = scenario.auth.startsWith('adc')
  const serviceAccount = scenario.inputs?.service_account ?? impersonate
  const credentials = adc
    ? {
        GOOGLE_APPLICATION_CREDENTIALS: emulator.writeExternalAccountFile(credentialsDir, {
          provider: PROVIDER,
          serviceAccount
        })
      }
    : {}
  // service_account is the credentials file's business with ADC, the input's with federation.
  const inputs = Object.fromEntries(
    Object.entries(scenario.inputs ?? {}).filter(([name]) => name !== 'service_account')
  )
  return runAction({
    inputs: {
      service: 'api',
      image: `${IMAGE}:v1`,
      region: REGION,
      project_id: 'myproject-a',
      pr_comment: 'true',
      ...(adc ? {} : { workload_identity_provider: PROVIDER }),
      ...(!adc && serviceAccount ? { service_account: serviceAccount } : {}),
      ...inputs
    },
    env: { ...emulator.env, ...credentials, GITHUB_API_URL: github.url },
    eventName: 'pull_request',
    event: PULL_REQUEST
  })
}

describe.each(RUNS)('$name', scenario => {
  test('no token appears where it can be seen, and each went only to its own host', async () => {
    const emulator = await startTestEmulator(scenario.scenario)
    const github = await startGitHubApi(FAKE_GITHUB_TOKEN)
    try {
      scenario.arm?.(emulator)
      const run = await start(emulator, scenario, github)
      expect(run.exitCode).toBe(scenario.exitCode)

      const tokens = [...emulator.tokens(), FAKE_GITHUB_TOKEN]
      expect(tokens.length).toBeGreaterThan(1)
      for (const [where, text] of Object.entries(visible(run, github))) {
        for (const token of tokens) {
          for (const part of secretParts(token)) {
            if (text.includes(part)) throw new Error(`a token appears in ${where}`)
          }
        }
      }

      // The runner's request token goes to the OIDC endpoint only; GitHub's token never to Google.
      const requestToken = emulator.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
      for (const entry of emulator.requestLog) {
        if (entry.name === 'github.oidc.token') expect(entry.token).toBe(requestToken)
        else expect([requestToken, FAKE_GITHUB_TOKEN]).not.toContain(entry.token)
      }
      // The GitHub API saw only its own token (a Google token there would not be authorized).
      expect(github.requests.every(r => r.authorized)).toBe(true)
    } finally {
      await github.close()
      await emulator.close()
    }
  })
})

describe('a credentials file that points a token elsewhere', () => {
  test.each([
    ['token_url', { token_url: 'https://sts.example.com/v1/token' }],
    [
      'service_account_impersonation_url',
      {
        service_account_impersonation_url:
          'https://iamcredentials.example.com/v1/projects/-/serviceAccounts/x@p.iam.gserviceaccount.com:generateAccessToken'
      }
    ]
  ])('%s outside the configured endpoint: refused before any request', async (field, change) => {
    const emulator = await startTestEmulator('seed')
    try {
      const path = emulator.writeExternalAccountFile(credentialsDir, { provider: PROVIDER })
      const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
      writeFileSync(path, JSON.stringify({ ...file, ...change }))
      const run = await runAction({
        inputs: { service: 'api', image: `${IMAGE}:v1`, region: REGION, project_id: 'myproject-a' },
        env: { ...emulator.env, GOOGLE_APPLICATION_CREDENTIALS: path }
      })
      expect(run.exitCode).toBe(1)
      const errors = run.annotations.filter(a => a.command === 'error')
      expect(errors).toHaveLength(1)
      expect(errors[0]?.message).toContain(field)
      expect(errors[0]?.message).toContain('no token is sent there')
      expect(emulator.requestLog).toEqual([])
    } finally {
      await emulator.close()
    }
  })
})
