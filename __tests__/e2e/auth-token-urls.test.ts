/**
 * SECURITY.md's promise, for every kind of external_account file (and the other kinds that name an STS or
 * IAM Credentials URL): a credentials file cannot send a token anywhere but the configured STS and IAM
 * Credentials endpoints. A file whose token_url or service_account_impersonation_url points elsewhere is
 * refused in one line before any token is read or sent: the foreign host, a local server that records
 * every hit, is never reached, nor is anything else.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEPLOYER_EMAIL, PROVIDER } from '../../emulator/scenarios/seed.js'
import { KEY_HOLDER_EMAIL } from '../../emulator/scenarios/auth.js'
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { runAction } from '../harness/runAction.js'
import {
  AWS_ENV,
  awsExternalAccount,
  executable,
  expectNoLibraryWarning,
  externalAccount,
  impersonationUrl,
  runnerEnv,
  tempDir,
  TokenEndpoint,
  writeJson
} from './auth-support.js'

let emulator: Emulator
/** The foreign host: a token endpoint that answers, so that only the action's refusal keeps it unused. */
let foreign: TokenEndpoint
/** A legitimate token endpoint, for the source credentials of an impersonated file. */
let tokens: TokenEndpoint

beforeAll(async () => {
  emulator = await startTestEmulator('auth-key-holder')
  foreign = await TokenEndpoint.start(emulator)
  tokens = await TokenEndpoint.start(emulator)
})
afterAll(async () => {
  await Promise.all([foreign.close(), tokens.close()])
  await emulator.close()
})
beforeEach(() => {
  emulator.clearLog()
  foreign.requests.length = 0
  tokens.requests.length = 0
})

type Field = 'token_url' | 'service_account_impersonation_url'

interface Case {
  readonly file: Record<string, unknown>
  readonly env?: Record<string, string>
  /** A file the credential source would leave behind if it ran. */
  readonly marker?: string
}

/**
 * An external_account file of each kind, sound but for the URL each test replaces (the same shapes
 * authenticate in auth-kinds.test.ts).
 */
const externalKinds: Record<string, (dir: string) => Case> = {
  url: dir => {
    const path = emulator.writeExternalAccountFile(dir, {
      provider: PROVIDER,
      serviceAccount: DEPLOYER_EMAIL
    })
    return { file: JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> }
  },
  file: dir => {
    const tokenFile = join(dir, 'subject-token')
    writeFileSync(tokenFile, 'a-subject-token-that-must-not-be-read')
    return {
      file: externalAccount(
        emulator,
        { file: tokenFile },
        { service_account_impersonation_url: impersonationUrl(emulator.url, DEPLOYER_EMAIL) }
      )
    }
  },
  executable: dir => {
    const { command, marker } = executable(dir, 'a-subject-token')
    return {
      file: externalAccount(
        emulator,
        { executable: { command, timeout_millis: 5000 } },
        { service_account_impersonation_url: impersonationUrl(emulator.url, DEPLOYER_EMAIL) }
      ),
      env: { GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES: '1' },
      marker
    }
  },
  aws: () => ({
    file: {
      ...awsExternalAccount(emulator),
      service_account_impersonation_url: impersonationUrl(emulator.url, DEPLOYER_EMAIL)
    },
    env: AWS_ENV
  })
}

async function expectRefused(testCase: Case, field: Field, foreignUrl: string) {
  const dir = tempDir('credentials')
  const run = await runAction({
    inputs: {
      service: 'api',
      image: 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob:v1',
      region: 'asia-northeast1',
      project_id: 'myproject-a'
    },
    env: {
      ...runnerEnv(emulator),
      GOOGLE_APPLICATION_CREDENTIALS: writeJson(dir, 'credentials.json', testCase.file),
      ...testCase.env
    }
  })
  expect(run.exitCode).toBe(1)
  expectNoLibraryWarning(run)
  const errors = run.annotations.filter(a => a.command === 'error')
  expect(errors).toHaveLength(1)
  const message = errors[0]?.message ?? ''
  expect(message).toMatch(/^The credentials in .*credentials\.json cannot be used: /)
  expect(message).toContain(
    `${field} ${foreignUrl} is not under ${emulator.url}; no token is sent there.`
  )
  expect(message.split('\n')).toHaveLength(1)
  expect(foreign.requests).toEqual([])
  expect(tokens.requests).toEqual([])
  expect(emulator.requestLog).toEqual([])
  if (testCase.marker) expect(existsSync(testCase.marker)).toBe(false)
}

describe.each(Object.keys(externalKinds))('external_account from %s', kind => {
  const build = externalKinds[kind] ?? (() => ({ file: {} }))

  test('a foreign token_url: refused before any token is read or sent', async () => {
    const testCase = build(tempDir('credentials'))
    const url = `${foreign.url}v1/token`
    await expectRefused(
      { ...testCase, file: { ...testCase.file, token_url: url } },
      'token_url',
      url
    )
  })

  test('a foreign service_account_impersonation_url: refused before any token is read or sent', async () => {
    const testCase = build(tempDir('credentials'))
    const url = impersonationUrl(foreign.url, DEPLOYER_EMAIL)
    await expectRefused(
      { ...testCase, file: { ...testCase.file, service_account_impersonation_url: url } },
      'service_account_impersonation_url',
      url
    )
  })
})

test('external_account_authorized_user: a foreign token_url is refused', async () => {
  const grant = tokens.refreshToken('user:admin@example.com')
  const url = `${foreign.url}v1/oauthtoken`
  await expectRefused(
    {
      file: {
        type: 'external_account_authorized_user',
        audience: '//iam.googleapis.com/locations/global/workforcePools/pool/providers/idp',
        client_id: grant.clientId,
        client_secret: grant.clientSecret,
        refresh_token: grant.refreshToken,
        token_url: url
      }
    },
    'token_url',
    url
  )
})

test('impersonated_service_account: a foreign impersonation URL is refused before its source signs in', async () => {
  const url = impersonationUrl(foreign.url, DEPLOYER_EMAIL)
  await expectRefused(
    {
      file: {
        type: 'impersonated_service_account',
        service_account_impersonation_url: url,
        source_credentials: tokens.serviceAccountKey(KEY_HOLDER_EMAIL)
      }
    },
    'service_account_impersonation_url',
    url
  )
})
