/**
 * Credentials: GitHub's OIDC endpoint, STS token exchange, IAM Credentials impersonation, and the
 * external_account file read by google-auth-library as it is.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jest } from '@jest/globals'
import { GoogleAuth } from 'google-auth-library'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import {
  DEPLOYER,
  DEPLOYER_EMAIL,
  PROVIDER,
  RUNTIME_EMAIL,
  SERVICE_AGENT
} from '../../emulator/scenarios/seed.js'

let emulator: Emulator

const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
const FEDERATED =
  /^principal:\/\/iam\.googleapis\.com\/projects\/111111111111\/locations\/global\/workloadIdentityPools\/github\/subject\/repo:octo-org\/octo-repo:ref:refs\/heads\/main$/

beforeAll(async () => {
  emulator = await startEmulator('seed')
})
afterAll(() => emulator.close())
beforeEach(() => emulator.clearLog())

async function oidcToken(audience = `https://iam.googleapis.com/${PROVIDER}`): Promise<string> {
  const url = `${emulator.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(audience)}`
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${emulator.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` }
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { value: string }).value
}

async function exchange(fields: Record<string, string>) {
  const response = await fetch(new URL('v1/token', emulator.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      subject_token_type: JWT_TYPE,
      audience: `//iam.googleapis.com/${PROVIDER}`,
      ...fields
    }).toString()
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function impersonate(token: string, email: string, encode = false) {
  const account = encode ? encodeURIComponent(email) : email
  const response = await fetch(
    new URL(`v1/projects/-/serviceAccounts/${account}:generateAccessToken`, emulator.url),
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope: ['https://www.googleapis.com/auth/cloud-platform'] })
    }
  )
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

function claims(jwt: string): Record<string, unknown> {
  const [, payload = ''] = jwt.split('.')
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
}

describe('GitHub OIDC endpoint', () => {
  test('issues a JWT with the workflow claims and the requested audience', async () => {
    const jwt = await oidcToken('https://example.com/aud')
    expect(jwt.split('.')).toHaveLength(3)
    const c = claims(jwt)
    expect(c).toMatchObject({
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'https://example.com/aud',
      sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
      repository: 'octo-org/octo-repo',
      ref: 'refs/heads/main',
      actor: 'octocat'
    })
    expect(Number(c.exp)).toBeGreaterThan(Number(c.iat))
    expect(emulator.tokens()).toContain(jwt)
  })

  test('the default audience is the repository owner URL', async () => {
    const response = await fetch(emulator.env.ACTIONS_ID_TOKEN_REQUEST_URL ?? '', {
      headers: { authorization: `Bearer ${emulator.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` }
    })
    const { value } = (await response.json()) as { value: string }
    expect(claims(value).aud).toBe('https://github.com/octo-org')
  })

  test('a missing or wrong request token is refused with a JSON message', async () => {
    const url = emulator.env.ACTIONS_ID_TOKEN_REQUEST_URL ?? ''
    for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
      const response = await fetch(url, { headers })
      expect(response.status).toBe(401)
      expect(((await response.json()) as { message: string }).message).toBeTruthy()
    }
  })
})

describe('STS and impersonation', () => {
  test('exchange, then generateAccessToken for the deployer', async () => {
    const { status, body } = await exchange({ subject_token: await oidcToken() })
    expect(status).toBe(200)
    expect(body).toEqual({
      access_token: expect.stringMatching(/^ya29\.emu-/),
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: 3600
    })
    const federated = String(body.access_token)

    // The federated principal itself, through the principalSet binding on myproject-a.
    const project = await fetch(new URL('v3/projects/myproject-a', emulator.url), {
      headers: { authorization: `Bearer ${federated}` }
    })
    expect(project.status).toBe(200)
    expect(emulator.requestLog.at(-1)?.principal).toMatch(FEDERATED)

    const sa = await impersonate(federated, DEPLOYER_EMAIL, true)
    expect(sa.status).toBe(200)
    expect(sa.body).toEqual({
      accessToken: expect.stringMatching(/^ya29\.emu-/),
      expireTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    })
    const asDeployer = await fetch(new URL('v1/projects/myproject-a', emulator.url), {
      headers: { authorization: `Bearer ${String(sa.body.accessToken)}` }
    })
    expect(asDeployer.status).toBe(200)
    expect(emulator.requestLog.at(-1)?.principal).toBe(DEPLOYER)
    const issued = emulator.tokens()
    expect(issued).toEqual(expect.arrayContaining([federated, String(sa.body.accessToken)]))
    // Tokens of different kinds are told apart by their prefixes.
    expect(federated.slice(0, 12)).not.toBe(String(sa.body.accessToken).slice(0, 12))
  })

  test('a token minted for another audience is invalid_grant', async () => {
    const { status, body } = await exchange({
      subject_token: await oidcToken('https://github.com/octo-org')
    })
    expect(status).toBe(400)
    expect(body).toEqual({
      error: 'invalid_grant',
      error_description: expect.stringContaining('does not match the expected audience')
    })
  })

  test('an expired OIDC token is invalid_grant', async () => {
    const jwt = await oidcToken()
    emulator.advanceClock(10 * 60_000)
    const { status, body } = await exchange({ subject_token: jwt })
    expect(status).toBe(400)
    expect(body.error).toBe('invalid_grant')
  })

  test('a token the emulator never issued is invalid_grant', async () => {
    const { status, body } = await exchange({ subject_token: 'eyJhbGciOiJub25lIn0.e30.' })
    expect(status).toBe(400)
    expect(body.error).toBe('invalid_grant')
  })

  test('an unknown provider is invalid_target, in Google STS wording', async () => {
    const unknown = PROVIDER.replace('providers/github', 'providers/nope')
    const { status, body } = await exchange({
      subject_token: await oidcToken(`https://iam.googleapis.com/${unknown}`),
      audience: `//iam.googleapis.com/${unknown}`
    })
    expect(status).toBe(400)
    expect(body).toEqual({
      error: 'invalid_target',
      error_description:
        'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.'
    })
  })

  test('impersonation without roles/iam.workloadIdentityUser is a 403; an unknown account a 404', async () => {
    const { body } = await exchange({ subject_token: await oidcToken() })
    const federated = String(body.access_token)
    const denied = await impersonate(federated, RUNTIME_EMAIL)
    expect(denied.status).toBe(403)
    expect(denied.body).toMatchObject({
      error: {
        code: 403,
        status: 'PERMISSION_DENIED',
        message:
          "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
        details: [
          {
            reason: 'IAM_PERMISSION_DENIED',
            metadata: { permission: 'iam.serviceAccounts.getAccessToken' }
          }
        ]
      }
    })
    const missing = await impersonate(federated, 'nobody@myproject-a.iam.gserviceaccount.com')
    expect(missing.status).toBe(404)
    // The service agent holds getAccessToken only on its own project's accounts through run.serviceAgent.
    const agent = await impersonate(emulator.issueAccessToken(SERVICE_AGENT), DEPLOYER_EMAIL)
    expect(agent.status).toBe(200)
  })
})

describe('external_account file', () => {
  test('has the shape google-github-actions/auth writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-adc-'))
    const path = emulator.writeExternalAccountFile(dir, { serviceAccount: DEPLOYER_EMAIL })
    const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
    expect(file).toEqual({
      type: 'external_account',
      audience: `//iam.googleapis.com/${PROVIDER}`,
      subject_token_type: JWT_TYPE,
      token_url: `${emulator.url}v1/token`,
      credential_source: {
        url: `${emulator.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=https://iam.googleapis.com/${PROVIDER}`,
        headers: { Authorization: `Bearer ${emulator.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
        format: { type: 'json', subject_token_field_name: 'value' }
      },
      service_account_impersonation_url: `${emulator.url}v1/projects/-/serviceAccounts/${DEPLOYER_EMAIL}:generateAccessToken`
    })
  })

  test.each([
    ['with impersonation', DEPLOYER_EMAIL, DEPLOYER],
    ['without impersonation', undefined, FEDERATED]
  ])('google-auth-library reads it as it is (%s)', async (_label, serviceAccount, principal) => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-adc-'))
    const keyFilename = emulator.writeExternalAccountFile(dir, { serviceAccount })
    // The library warns about keyFilename and unvalidated credential URLs; neither matters here.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined)
    const auth = new GoogleAuth({
      keyFilename,
      scopes: ['https://www.googleapis.com/auth/cloud-platform']
    })
    const client = await auth.getClient().finally(() => warn.mockRestore())
    const response = await client.request<{ projectNumber: string }>({
      url: `${emulator.url}v1/projects/myproject-a`
    })
    expect(response.data.projectNumber).toBe('111111111111')
    expect(emulator.requestLog.map(r => r.name)).toEqual(
      expect.arrayContaining([
        'github.oidc.token',
        'sts.token',
        'cloudresourcemanager.projects.get'
      ])
    )
    expect(emulator.requestLog.at(-1)?.principal).toEqual(
      typeof principal === 'string' ? principal : expect.stringMatching(principal)
    )
  })
})
