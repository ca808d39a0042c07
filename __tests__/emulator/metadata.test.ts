/**
 * The metadata server of a self-hosted runner's VM: the header it insists on, the values it serves, the
 * cached token it hands out with whatever lifetime is left, and google-auth-library finding and using it.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GoogleAuth } from 'google-auth-library'
import { needsNewToken } from '../../emulator/metadata.js'
import { metadata } from '../../emulator/scenarios/metadata.js'
import { variant } from '../../emulator/scenarios/helpers.js'
import { DEPLOYER, DEPLOYER_EMAIL } from '../../emulator/scenarios/seed.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'

let emulator: Emulator

const ROOT = 'computeMetadata/v1'
const TOKEN = `${ROOT}/instance/service-accounts/default/token`

async function ask(
  path: string,
  headers: Record<string, string> = { 'Metadata-Flavor': 'Google' }
) {
  const response = await fetch(new URL(path, emulator.url), { headers })
  return {
    status: response.status,
    flavor: response.headers.get('metadata-flavor'),
    type: response.headers.get('content-type'),
    text: await response.text()
  }
}

async function token(): Promise<{ access_token: string; expires_in: number; token_type: string }> {
  const answer = await ask(TOKEN)
  expect(answer.status).toBe(200)
  return JSON.parse(answer.text) as { access_token: string; expires_in: number; token_type: string }
}

/** A Google API call with `bearer`: its status and the principal the emulator saw. */
async function callWith(bearer: string) {
  const response = await fetch(new URL('v1/projects/myproject-a', emulator.url), {
    headers: { authorization: `Bearer ${bearer}` }
  })
  return { status: response.status, text: await response.text() }
}

test.each([
  ['no token yet', undefined, 0, true],
  ['plenty left', 300_000, 0, false],
  ['exactly the margin left', 60_000, 0, false],
  ['less than the margin left', 59_999, 0, true],
  ['expired', 1_000, 5_000, true]
])('needsNewToken: %s', (_, expiresAt, now, expected) => {
  expect(needsNewToken(expiresAt, now, 60_000)).toBe(expected)
})

describe('the metadata scenario', () => {
  beforeEach(async () => {
    emulator = await startEmulator('metadata')
  })
  afterEach(() => emulator.close())

  test('GCE_METADATA_HOST points at the emulator, in env and metadataEnv', () => {
    const host = new URL(emulator.url).host
    expect(emulator.metadataEnv).toEqual({ GCE_METADATA_HOST: host })
    expect(emulator.env.GCE_METADATA_HOST).toBe(host)
  })

  test('without Metadata-Flavor: Google, a 403 that names the header', async () => {
    for (const headers of [{}, { 'Metadata-Flavor': 'google' }] as Record<string, string>[]) {
      const answer = await ask(TOKEN, headers)
      expect(answer.status).toBe(403)
      expect(answer.text).toContain('Missing Metadata-Flavor:Google header.')
      expect(answer.text).toContain(`<code>/${TOKEN}</code>`)
    }
    expect(emulator.tokens()).toHaveLength(1) // only the runner's OIDC request token
  })

  test('the probe, the account, the project and the universe, as plain text with the header', async () => {
    const answers = await Promise.all(
      [
        'instance',
        'instance/',
        'instance/service-accounts/',
        'instance/service-accounts/default/email',
        `instance/service-accounts/${DEPLOYER_EMAIL}/email`,
        'project/project-id',
        'project/numeric-project-id',
        'universe/universe-domain'
      ].map(path => ask(`${ROOT}/${path}`))
    )
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 200, flavor: 'Google', type: 'application/text' })
    }
    expect(answers.map(a => a.text)).toEqual([
      'service-accounts/\n',
      'service-accounts/\n',
      `default/\n${DEPLOYER_EMAIL}/\n`,
      DEPLOYER_EMAIL,
      DEPLOYER_EMAIL,
      'myproject-a',
      '111111111111',
      'googleapis.com'
    ])
  })

  test('an unknown key or another account is a 404, still with the header', async () => {
    for (const path of [
      'instance/nothing',
      'instance/service-accounts/other@x.iam.gserviceaccount.com/token'
    ]) {
      expect(await ask(`${ROOT}/${path}`)).toMatchObject({ status: 404, flavor: 'Google' })
    }
  })

  test('the cached token, with what is left of it, until less than the margin is left', async () => {
    const first = await token()
    expect(first).toEqual({
      access_token: expect.any(String),
      expires_in: 300,
      token_type: 'Bearer'
    })

    // The emulator's clock also runs with the wall clock: a second's rounding is allowed for.
    const again = async (expiresIn: number) => {
      const answer = await token()
      expect(answer.access_token).toBe(first.access_token)
      expect([expiresIn - 1, expiresIn]).toContain(answer.expires_in)
    }
    emulator.advanceClock(100_000)
    await again(200)
    emulator.advanceClock(139_000)
    // 61 s left: still above the 60 s margin, so still handed out.
    await again(61)

    emulator.advanceClock(2_000)
    const second = await token()
    expect(second.access_token).not.toBe(first.access_token)
    expect(second.expires_in).toBe(300)

    // The old token really expires: Google APIs answer 401 ACCESS_TOKEN_EXPIRED once it has.
    expect((await callWith(first.access_token)).status).toBe(200)
    emulator.advanceClock(60_000)
    const expired = await callWith(first.access_token)
    expect(expired.status).toBe(401)
    expect(expired.text).toContain('ACCESS_TOKEN_EXPIRED')
    expect((await callWith(second.access_token)).status).toBe(200)
    expect(emulator.requestLog.filter(r => r.status === 200 && r.principal)).toMatchObject([
      { principal: DEPLOYER },
      { principal: DEPLOYER }
    ])
    expect(emulator.tokens()).toEqual(
      expect.arrayContaining([first.access_token, second.access_token])
    )
  })

  test('a fault on the token route fails it like any other route', async () => {
    emulator.addFault({ route: 'metadata.token', kind: 'status', status: 503, times: 1 })
    expect((await ask(TOKEN)).status).toBe(503)
    expect((await ask(TOKEN)).status).toBe(200)
  })

  test('google-auth-library finds the server, uses its token and its project', async () => {
    const saved = { ...process.env }
    // Nothing else to find: no credentials file, no gcloud configuration.
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS
    process.env.CLOUDSDK_CONFIG = mkdtempSync(join(tmpdir(), 'no-gcloud-'))
    Object.assign(process.env, emulator.metadataEnv)
    try {
      const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] })
      const client = await auth.getClient()
      expect(client.constructor.name).toBe('Compute')
      expect(await auth.getProjectId()).toBe('myproject-a')
      expect((await auth.getCredentials()).client_email).toBe(DEPLOYER_EMAIL)
      const { data } = await client.request<{ projectId: string }>({
        url: new URL('v1/projects/myproject-a', emulator.url).toString()
      })
      expect(data.projectId).toBe('myproject-a')
      const calls = emulator.requestLog.map(r => r.name)
      expect(calls).toEqual(
        expect.arrayContaining([
          'metadata.instance',
          'metadata.token',
          'metadata.projectId',
          'cloudresourcemanager.projects.get'
        ])
      )
      expect(
        emulator.requestLog.find(r => r.name === 'cloudresourcemanager.projects.get')
      ).toMatchObject({
        status: 200,
        principal: DEPLOYER
      })
    } finally {
      process.env = saved
    }
  })
})

describe('other scenarios', () => {
  afterEach(() => emulator.close())

  test('lifetime and margin come from the scenario', async () => {
    emulator = await startEmulator(
      variant(metadata, 'metadata-short', 'two-minute tokens', s => ({
        ...s,
        metadataTokenLifetimeSeconds: 120,
        metadataTokenRefreshMarginSeconds: 30
      }))
    )
    const first = await token()
    expect(first.expires_in).toBe(120)
    emulator.advanceClock(89_000)
    expect((await token()).access_token).toBe(first.access_token)
    emulator.advanceClock(2_000)
    expect((await token()).access_token).not.toBe(first.access_token)
  })

  test("lifetimes are in the emulator's clock: on a fast clock the token expires in wall milliseconds", async () => {
    emulator = await startEmulator('metadata', { timeScale: 0.001 })
    const first = await token()
    expect((await callWith(first.access_token)).status).toBe(200)
    // 300 s of the emulator's clock are 300 ms of wall time.
    await new Promise(done => setTimeout(done, 400))
    const expired = await callWith(first.access_token)
    expect(expired.status).toBe(401)
    expect(expired.text).toContain('ACCESS_TOKEN_EXPIRED')
    expect((await token()).access_token).not.toBe(first.access_token)
  })

  test('a scenario without a VM service account has no metadata server and sets nothing', async () => {
    emulator = await startEmulator('seed')
    expect(emulator.metadataEnv).toEqual({})
    expect(Object.keys(emulator.env)).not.toContain('GCE_METADATA_HOST')
    // gcp-metadata takes a 404 without the header as "no metadata server here".
    expect(await ask(`${ROOT}/instance`)).toMatchObject({ status: 404, flavor: null })
  })
})
