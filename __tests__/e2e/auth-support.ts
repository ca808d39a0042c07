/**
 * Shared by the authentication end-to-end tests: credentials files of every kind, a local OAuth 2.0 token
 * endpoint that checks what it is sent (the emulator models STS and IAM Credentials, not Google's OAuth
 * 2.0 server), a GitHub OIDC token from the emulator for file- and executable-sourced federation, and the
 * emulator's clock time of a logged request.
 */
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Emulator, RequestLogEntry } from '../../emulator/server.js'
import { PROVIDER } from '../../emulator/scenarios/seed.js'
import { TEST_TIME_SCALE } from '../harness/emulator.js'
import type { ActionRun } from '../harness/runAction.js'

export const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
export const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform'

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `${prefix}-`))

/** What google-auth-library and gcp-metadata print when a deprecated or unvalidated path runs. */
export const LIBRARY_WARNING =
  /DeprecationWarning|MetadataLookupWarning|deprecated|does not validate/i

export function expectNoLibraryWarning(run: ActionRun): void {
  expect(run.stdout).not.toMatch(LIBRARY_WARNING)
  expect(run.stderr).not.toMatch(LIBRARY_WARNING)
}

/**
 * The environment of a run with no credentials of its own: the emulator's endpoints, and a gcloud
 * configuration directory without application_default_credentials.json (whatever the machine's HOME holds).
 */
export function runnerEnv(emulator: Emulator): Record<string, string> {
  return { ...emulator.env, CLOUDSDK_CONFIG: tempDir('gcloud') }
}

/** The emulator's clock (ms) when a logged request arrived. */
export function clockTimeOf(emulator: Emulator, entry: RequestLogEntry): number {
  return emulator.now() - (performance.now() - entry.startedAt) / TEST_TIME_SCALE
}

/** A GitHub OIDC token from the emulator, with the audience workload identity federation expects. */
export async function githubOidcToken(emulator: Emulator): Promise<string> {
  const url = new URL(emulator.env.ACTIONS_ID_TOKEN_REQUEST_URL ?? '')
  url.searchParams.set('audience', `https://iam.googleapis.com/${PROVIDER}`)
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${emulator.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` }
  })
  const { value } = (await response.json()) as { value: string }
  return value
}

export function writeJson(dir: string, name: string, content: unknown): string {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify(content, null, 2), { mode: 0o600 })
  return path
}

/** An external_account file for `credential_source`, exchanged at the emulator's STS. */
export function externalAccount(
  emulator: Emulator,
  credentialSource: Record<string, unknown>,
  extra: Record<string, unknown> = {}
): Record<string, unknown> {
  return {
    type: 'external_account',
    audience: `//iam.googleapis.com/${PROVIDER}`,
    subject_token_type: JWT_TYPE,
    token_url: `${emulator.url}v1/token`,
    credential_source: credentialSource,
    ...extra
  }
}

export const impersonationUrl = (root: string, email: string) =>
  `${root}v1/projects/-/serviceAccounts/${email}:generateAccessToken`

/**
 * An executable that prints a pluggable-auth response holding `subjectToken`
 * (https://google.aip.dev/auth/4117, "Executable-sourced credentials") and, when run, leaves a marker file.
 */
export function executable(dir: string, subjectToken: string): { command: string; marker: string } {
  const response = writeJson(dir, 'response.json', {
    version: 1,
    success: true,
    token_type: JWT_TYPE,
    id_token: subjectToken,
    expiration_time: Math.floor(Date.now() / 1000) + 3600
  })
  const marker = join(dir, 'ran')
  const command = join(dir, 'token.sh')
  writeFileSync(command, `#!/bin/sh\ntouch '${marker}'\ncat '${response}'\n`)
  chmodSync(command, 0o755)
  return { command, marker }
}

/** An AWS-sourced external_account file; the runner's AWS credentials come from the environment. */
export function awsExternalAccount(emulator: Emulator, root = emulator.url) {
  return {
    type: 'external_account',
    audience: `//iam.googleapis.com/${PROVIDER}`,
    subject_token_type: 'urn:ietf:params:aws:token-type:aws4_request',
    token_url: `${root}v1/token`,
    credential_source: {
      environment_id: 'aws1',
      region_url: 'http://169.254.169.254/latest/meta-data/placement/availability-zone',
      url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials',
      regional_cred_verification_url:
        'https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15'
    }
  }
}

export const AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
}

export interface TokenRequest {
  readonly path: string
  readonly form: Readonly<Record<string, string>>
  readonly authorization: string | undefined
}

interface Grantee {
  readonly member: string
}

/**
 * Google's OAuth 2.0 token endpoint as service-account keys and user credentials reach it (`POST /token`:
 * the JWT bearer grant of RFC 7523 and the refresh-token grant), and STS's oauthtoken endpoint for
 * workforce user credentials (`POST /v1/oauthtoken`, client in HTTP Basic). It checks the assertion's
 * signature and claims, or the refresh token and client, and answers with an access token the emulator
 * issued for the credential's member. Every request is recorded, so it also serves as a foreign host
 * that must never be reached.
 */
export class TokenEndpoint {
  readonly requests: TokenRequest[] = []
  readonly #keys = new Map<string, Grantee & { readonly publicKey: KeyObject }>()
  readonly #refreshTokens = new Map<
    string,
    Grantee & { readonly clientId: string; readonly clientSecret: string }
  >()
  #url = ''

  private constructor(private readonly emulator: Emulator) {}

  static async start(emulator: Emulator): Promise<TokenEndpoint> {
    const endpoint = new TokenEndpoint(emulator)
    await endpoint.#listen()
    return endpoint
  }

  /** `http://127.0.0.1:PORT/` */
  get url(): string {
    return this.#url
  }

  /** A service-account key file whose token_uri is this endpoint. */
  serviceAccountKey(email: string, member = `serviceAccount:${email}`): Record<string, string> {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    this.#keys.set(email, { publicKey, member })
    return {
      type: 'service_account',
      project_id: email.split('@')[1]?.split('.')[0] ?? '',
      private_key_id: 'key-1',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: email,
      client_id: '100000000000000000001',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: `${this.url}token`
    }
  }

  /** Refresh-token credentials standing for `member`. */
  refreshToken(member: string): { refreshToken: string; clientId: string; clientSecret: string } {
    const grant = {
      refreshToken: `1//emu-refresh-${this.#refreshTokens.size}`,
      clientId: `client-${this.#refreshTokens.size}.apps.googleusercontent.com`,
      clientSecret: `secret-${this.#refreshTokens.size}`
    }
    this.#refreshTokens.set(grant.refreshToken, { member, ...grant })
    return grant
  }

  close(): Promise<void> {
    return new Promise(done => this.#server?.close(() => done()))
  }

  #server: ReturnType<typeof createServer> | undefined

  async #listen(): Promise<void> {
    this.#server = createServer((req, res) => {
      void this.#answer(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body))
      })
    })
    await new Promise<void>(done => this.#server?.listen(0, '127.0.0.1', done))
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`
  }

  async #answer(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')))
    const path = new URL(req.url ?? '/', this.url).pathname
    this.requests.push({ path, form, authorization: req.headers.authorization })
    const refused = (description: string) => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: description }
    })
    const granted = (member: string) => ({
      status: 200,
      body: {
        access_token: this.emulator.issueAccessToken(member),
        expires_in: 3600,
        token_type: 'Bearer'
      }
    })
    if (req.method !== 'POST') return { status: 405, body: {} }
    if (path === '/token' && form.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const [header = '', claims = '', signature = ''] = (form.assertion ?? '').split('.')
      const decoded = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >
      const key = this.#keys.get(String(decoded.iss))
      if (!key) return refused('Invalid JWT: unknown issuer.')
      const valid = verify(
        'sha256',
        Buffer.from(`${header}.${claims}`),
        key.publicKey,
        Buffer.from(signature, 'base64url')
      )
      if (!valid) return refused('Invalid JWT Signature.')
      if (decoded.aud !== `${this.url}token` || decoded.scope !== CLOUD_PLATFORM) {
        return refused('Invalid JWT: audience or scope.')
      }
      if (Number(decoded.exp) - Number(decoded.iat) > 3600) return refused('Invalid JWT: lifetime.')
      return granted(key.member)
    }
    if (path === '/token' && form.grant_type === 'refresh_token') {
      const grant = this.#refreshTokens.get(form.refresh_token ?? '')
      if (
        !grant ||
        grant.clientId !== form.client_id ||
        grant.clientSecret !== form.client_secret
      ) {
        return refused('Bad Request')
      }
      return granted(grant.member)
    }
    if (path === '/v1/oauthtoken' && form.grant_type === 'refresh_token') {
      const grant = this.#refreshTokens.get(form.refresh_token ?? '')
      const basic = grant
        ? `Basic ${Buffer.from(`${grant.clientId}:${grant.clientSecret}`).toString('base64')}`
        : undefined
      if (!grant || req.headers.authorization !== basic) return refused('Bad Request')
      return granted(grant.member)
    }
    return { status: 404, body: { error: 'not_found' } }
  }
}
