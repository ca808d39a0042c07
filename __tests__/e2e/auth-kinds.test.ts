/**
 * Every kind of credentials ADC can hold, end to end: the built action authenticates with each, prints
 * no warning of google-auth-library or gcp-metadata (deprecated options, unvalidated configurations, a
 * metadata probe off Google Cloud), and acts as the principal the credentials stand for.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gcpMetadata } from 'google-auth-library'
import { KEY_HOLDER_EMAIL } from '../../emulator/scenarios/auth.js'
import { ADMIN, DEPLOYER, DEPLOYER_EMAIL, PROVIDER } from '../../emulator/scenarios/seed.js'
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { runAction, type ActionRun } from '../harness/runAction.js'
import {
  AWS_ENV,
  awsExternalAccount,
  executable,
  expectNoLibraryWarning,
  externalAccount,
  githubOidcToken,
  impersonationUrl,
  runnerEnv,
  tempDir,
  TokenEndpoint,
  writeJson
} from './auth-support.js'

const inputs = {
  service: 'api',
  image: 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob:v1',
  region: 'asia-northeast1',
  project_id: 'myproject-a',
  dry_run: 'true'
}

let emulator: Emulator
let tokens: TokenEndpoint
let dir: string

beforeAll(async () => {
  emulator = await startTestEmulator('auth-key-holder')
  tokens = await TokenEndpoint.start(emulator)
})
afterAll(async () => {
  await tokens.close()
  await emulator.close()
})
beforeEach(() => {
  emulator.clearLog()
  tokens.requests.length = 0
  dir = tempDir('credentials')
})

function runWith(file: unknown, env: Record<string, string | undefined> = {}): Promise<ActionRun> {
  return runAction({
    inputs,
    env: {
      ...runnerEnv(emulator),
      GOOGLE_APPLICATION_CREDENTIALS: writeJson(dir, 'credentials.json', file),
      ...env
    }
  })
}

/** A dry run that authenticated as `principal`: its checks reached Resource Manager with its token. */
function expectAuthenticatedAs(run: ActionRun, principal: string) {
  expect(run.annotations.filter(a => a.command === 'error')).toEqual([])
  expect(run.exitCode).toBe(0)
  expect(run.stderr).toBe('')
  expectNoLibraryWarning(run)
  const calls = emulator.requestLog.filter(r => r.name.startsWith('cloudresourcemanager'))
  expect(calls.length).toBeGreaterThan(0)
  expect(new Set(calls.map(r => r.principal))).toEqual(new Set([principal]))
  expect(emulator.requestLog.filter(r => r.status === 401)).toEqual([])
  // Every Google token a call carried was masked first (the runner masks its own request token).
  const googleTokens = emulator.requestLog.filter(r => r.principal).map(r => r.token)
  for (const token of new Set(googleTokens)) {
    expect(run.masked).toContain(token)
  }
}

describe('no library warning, whatever the credentials', () => {
  test('external_account from a URL, impersonating (what google-github-actions/auth leaves)', async () => {
    const path = emulator.writeExternalAccountFile(dir, {
      provider: PROVIDER,
      serviceAccount: DEPLOYER_EMAIL
    })
    const run = await runAction({
      inputs,
      env: { ...runnerEnv(emulator), GOOGLE_APPLICATION_CREDENTIALS: path }
    })
    expectAuthenticatedAs(run, DEPLOYER)
  })

  test('direct federation (workload_identity_provider)', async () => {
    const run = await runAction({
      inputs: { ...inputs, workload_identity_provider: PROVIDER, service_account: DEPLOYER_EMAIL },
      env: runnerEnv(emulator)
    })
    expectAuthenticatedAs(run, DEPLOYER)
  })

  test('a service-account key: the assertion goes to its token_uri, signed by its key', async () => {
    const run = await runWith(tokens.serviceAccountKey(DEPLOYER_EMAIL))
    expectAuthenticatedAs(run, DEPLOYER)
    expect(tokens.requests).toHaveLength(1)
    expect(tokens.requests[0]).toMatchObject({
      path: '/token',
      form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer' }
    })
    expect(JSON.parse(run.outputs.report ?? '{}')).toMatchObject({ authenticatedAs: DEPLOYER })
  })

  test("gcloud's user credentials (authorized_user)", async () => {
    const grant = tokens.refreshToken(ADMIN)
    const run = await runWith({
      type: 'authorized_user',
      client_id: grant.clientId,
      client_secret: grant.clientSecret,
      refresh_token: grant.refreshToken,
      token_uri: `${tokens.url}token`
    })
    expectAuthenticatedAs(run, ADMIN)
    expect(tokens.requests.map(r => r.form.grant_type)).toEqual(['refresh_token'])
  })

  test("gcloud's well-known file, when GOOGLE_APPLICATION_CREDENTIALS is unset", async () => {
    const grant = tokens.refreshToken(ADMIN)
    const config = tempDir('gcloud')
    writeJson(config, 'application_default_credentials.json', {
      type: 'authorized_user',
      client_id: grant.clientId,
      client_secret: grant.clientSecret,
      refresh_token: grant.refreshToken,
      token_uri: `${tokens.url}token`
    })
    const run = await runAction({ inputs, env: { ...emulator.env, CLOUDSDK_CONFIG: config } })
    expectAuthenticatedAs(run, ADMIN)
  })

  test('impersonated_service_account: a key of ci-key@ that impersonates the deployer', async () => {
    const run = await runWith({
      type: 'impersonated_service_account',
      service_account_impersonation_url: impersonationUrl(emulator.url, DEPLOYER_EMAIL),
      delegates: [],
      source_credentials: tokens.serviceAccountKey(KEY_HOLDER_EMAIL)
    })
    expectAuthenticatedAs(run, DEPLOYER)
    const minted = emulator.requestLog.filter(r => r.name === 'iamcredentials.generateAccessToken')
    expect(minted.map(r => r.principal)).toEqual([`serviceAccount:${KEY_HOLDER_EMAIL}`])
  })

  test('external_account from a file (a JWT the workflow wrote), impersonating', async () => {
    const tokenFile = join(dir, 'oidc-token.txt')
    writeFileSync(tokenFile, await githubOidcToken(emulator))
    const run = await runWith(
      externalAccount(
        emulator,
        { file: tokenFile },
        { service_account_impersonation_url: impersonationUrl(emulator.url, DEPLOYER_EMAIL) }
      )
    )
    expectAuthenticatedAs(run, DEPLOYER)
    expect(emulator.requestLog.map(r => r.name)).toEqual(
      expect.arrayContaining(['sts.token', 'iamcredentials.generateAccessToken'])
    )
  })

  test('external_account from a JSON file, as the federated principal', async () => {
    const tokenFile = join(dir, 'oidc-token.json')
    writeFileSync(tokenFile, JSON.stringify({ id_token: await githubOidcToken(emulator) }))
    const run = await runWith(
      externalAccount(emulator, {
        file: tokenFile,
        format: { type: 'json', subject_token_field_name: 'id_token' }
      })
    )
    expectAuthenticatedAs(
      run,
      'principal://iam.googleapis.com/projects/111111111111/locations/global/workloadIdentityPools/github/subject/repo:octo-org/octo-repo:ref:refs/heads/main'
    )
  })

  test('external_account from an executable (pluggable auth), impersonating', async () => {
    const { command, marker } = executable(dir, await githubOidcToken(emulator))
    const run = await runWith(
      externalAccount(
        emulator,
        { executable: { command, timeout_millis: 5000 } },
        { service_account_impersonation_url: impersonationUrl(emulator.url, DEPLOYER_EMAIL) }
      ),
      { GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES: '1' }
    )
    expectAuthenticatedAs(run, DEPLOYER)
    expect(existsSync(marker)).toBe(true)
  })

  test('external_account from AWS: the signed request reaches STS, which refuses it here', async () => {
    const run = await runWith(awsExternalAccount(emulator), AWS_ENV)
    expectNoLibraryWarning(run)
    expect(run.exitCode).toBe(1)
    // The emulator's STS accepts GitHub's tokens only: what matters is that the exchange was reached.
    const exchange = emulator.requestLog.filter(r => r.name === 'sts.token')
    expect(exchange.map(r => r.status)).toEqual([400])
    const errors = run.annotations.filter(a => a.command === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]?.message).toMatch(/^Authenticating with the credentials in .* failed: .*AWS/)
  })

  test('external_account_authorized_user (workforce identity), at STS oauthtoken', async () => {
    const grant = tokens.refreshToken(ADMIN)
    const run = await runWith(
      {
        type: 'external_account_authorized_user',
        audience: '//iam.googleapis.com/locations/global/workforcePools/pool/providers/idp',
        client_id: grant.clientId,
        client_secret: grant.clientSecret,
        refresh_token: grant.refreshToken,
        token_url: `${tokens.url}v1/oauthtoken`,
        token_info_url: `${tokens.url}v1/introspect`
      },
      // Its token_url must lie under the STS endpoint: here the token endpoint plays STS.
      { CLOUDSDK_API_ENDPOINT_OVERRIDES_STS: tokens.url }
    )
    expectAuthenticatedAs(run, ADMIN)
    expect(tokens.requests.map(r => r.path)).toEqual(['/v1/oauthtoken'])
  })
})

describe('no credentials file', () => {
  test('off Google Cloud: one line, no metadata probe, no warning', async () => {
    // On a Google Cloud machine the action would rightly ask the real metadata server: opt out there.
    const onGoogleCloud = gcpMetadata.getGCPResidency()
    const run = await runAction({
      inputs,
      env: {
        ...runnerEnv(emulator),
        ...(onGoogleCloud ? { METADATA_SERVER_DETECTION: 'none' } : {})
      }
    })
    expect(run.exitCode).toBe(1)
    expectNoLibraryWarning(run)
    expect(run.stderr).toBe('')
    const errors = run.annotations.filter(a => a.command === 'error')
    expect(errors.map(e => e.message)).toEqual([
      'No Google credentials found. Either run google-github-actions/auth before this step, or set the ' +
        'workload_identity_provider input (and give the job `permissions: id-token: write`).'
    ])
    expect(emulator.requestLog).toEqual([])
  })

  test('on a VM: the metadata server, no warning', async () => {
    const vm = await startTestEmulator('metadata')
    // A gcloud first on PATH that leaves a marker: google-auth-library's project lookup would run
    // `gcloud config config-helper`; the action knows the project and must never ask.
    const bin = tempDir('bin')
    const marker = join(bin, 'gcloud-ran')
    writeFileSync(join(bin, 'gcloud'), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 })
    try {
      const run = await runAction({
        inputs,
        env: { ...runnerEnv(vm), PATH: `${bin}:${process.env.PATH ?? ''}` }
      })
      expect(existsSync(marker)).toBe(false)
      expect(run.exitCode).toBe(0)
      expect(run.stderr).toBe('')
      expectNoLibraryWarning(run)
      const names = vm.requestLog.map(r => r.name)
      expect(names).toContain('metadata.token')
      // Only the token: no probe, no project lookup (the project is an input), no gcloud.
      expect(names.filter(n => n.startsWith('metadata.'))).toEqual(['metadata.token'])
      const rm = vm.requestLog.filter(r => r.name.startsWith('cloudresourcemanager'))
      expect(new Set(rm.map(r => r.principal))).toEqual(new Set([DEPLOYER]))
    } finally {
      await vm.close()
    }
  })

  test("on a VM without project_id: the VM's own project, as gcloud (and so deploy-cloudrun) takes it", async () => {
    const vm = await startTestEmulator('metadata')
    try {
      const { project_id: _none, ...withoutProject } = inputs
      const run = await runAction({ inputs: withoutProject, env: runnerEnv(vm) })
      expect(run.exitCode).toBe(0)
      expectNoLibraryWarning(run)
      expect(vm.requestLog.map(r => r.name)).toContain('metadata.projectId')
      expect(JSON.parse(run.outputs.report ?? '{}')).toMatchObject({
        target: { projectId: 'myproject-a' }
      })
    } finally {
      await vm.close()
    }
  })
})
