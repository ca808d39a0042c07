/**
 * Credentials for every Google call: Application Default Credentials (what google-github-actions/auth
 * leaves behind), or direct workload identity federation from GitHub's OIDC token, optionally followed by
 * service-account impersonation. Either way the result is one OAuth2Client whose every token passes
 * through `core.setSecret` before anything can use it.
 *
 * The GitHub case of ADC — an external_account file whose subject token comes from a URL (the runner's
 * OIDC endpoint) — is exchanged here, like direct federation: the same retry policy, the same error
 * messages naming the failed call, the token URLs checked against the configured endpoints before any
 * token is sent, and no google-auth-library machinery before the first request. Every other kind of
 * credentials (service-account keys, other external sources, a Compute Engine runner) goes through
 * google-auth-library's GoogleAuth.
 */
import * as core from '@actions/core'
import type { GoogleAuth, GoogleAuthOptions, OAuth2Client } from 'google-auth-library'
import { readFileSync } from 'node:fs'
import type { Config } from './config.js'
import { clock } from './clock.js'
import { isLoopbackHost } from './endpoints.js'
import { ActionError } from './errors.js'
import { toGoogleCallError, type GoogleCallError } from './google/errors.js'
import { afterFirstRequest, requestJson } from './google/http.js'
import { isRetryable, withRetry } from './google/retry.js'
import { createTransporter, loadAuthLibrary } from './google/transport.js'

const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform'
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'

export interface Credentials {
  readonly client: OAuth2Client
  /** The IAM member the action acts as, when it can be known without a call. */
  readonly principal: string | undefined
  /** How the action authenticated, in words, for the summary. */
  readonly method: string
}

interface Token {
  readonly token: string
  readonly expiresAt: number
}

type TokenSource = () => Promise<Token>

interface Source {
  readonly source: TokenSource
  readonly principal: () => string | undefined
  readonly method: string
}

/** Authenticates and fetches the first token, so that an auth failure ends the run before any check. */
export async function authenticate(config: Config): Promise<Credentials> {
  const { source, principal, method } = config.workloadIdentityProvider
    ? federationSource(config, config.workloadIdentityProvider)
    : applicationDefaultSource(config)

  // The first token request leaves before google-auth-library (needed only for the client that carries
  // the token) is compiled; the library compiles while the answer is on its way.
  const first = source()
  afterFirstRequest(() => void loadAuthLibrary().catch(() => {}))
  const { token, expiresAt } = await first
  core.setSecret(token)
  const lib = await loadAuthLibrary()
  const client = new lib.OAuth2Client({
    universeDomain: config.universe,
    transporter: createTransporter(lib)
  })
  client.setCredentials({ access_token: token, expiry_date: expiresAt })
  // Later tokens (a long wait for IAM propagation or a deploy) come from the same source.
  client.refreshHandler = async () => {
    const next = await source()
    core.setSecret(next.token)
    return { access_token: next.token, expiry_date: next.expiresAt }
  }
  return { client, principal: principal(), method }
}

// ---- Application Default Credentials ---------------------------------------------------------------

interface CredentialsFile {
  type?: string
  client_email?: string
  audience?: string
  subject_token_type?: string
  token_url?: string
  service_account_impersonation_url?: string
  service_account_impersonation?: { token_lifetime_seconds?: number }
  credential_source?: {
    url?: string
    headers?: Record<string, string>
    format?: { type?: string; subject_token_field_name?: string }
    file?: string
    certificate?: unknown
    environment_id?: string
    executable?: unknown
  }
  workforce_pool_user_project?: string
}

function applicationDefaultSource(config: Config): Source {
  const path = process.env.GOOGLE_APPLICATION_CREDENTIALS
  const file = path ? readCredentialsFile(path) : undefined
  const impersonated = file?.service_account_impersonation_url?.match(
    /serviceAccounts\/([^:/]+):/
  )?.[1]
  const email = impersonated ? decodeURIComponent(impersonated) : file?.client_email
  const method = path
    ? `Application Default Credentials (${file?.type ?? 'unknown type'} from GOOGLE_APPLICATION_CREDENTIALS)`
    : 'Application Default Credentials'
  const principal = () => (email ? `serviceAccount:${email}` : undefined)
  if (path && file && isUrlSourcedExternalAccount(file)) {
    return { source: externalAccountSource(config, path, file), principal, method }
  }
  return { source: googleAuthSource(config, path, file), principal, method }
}

/** What google-github-actions/auth writes: a subject token from a URL, exchanged at STS. */
function isUrlSourcedExternalAccount(file: CredentialsFile): boolean {
  const source = file.credential_source
  return (
    file.type === 'external_account' &&
    typeof source?.url === 'string' &&
    source.file === undefined &&
    source.environment_id === undefined &&
    source.executable === undefined &&
    // Workforce pools bill a user project on the exchange: left to the library that knows how.
    file.workforce_pool_user_project === undefined &&
    ['json', 'text', undefined].includes(source.format?.type)
  )
}

function externalAccountSource(config: Config, path: string, file: CredentialsFile): TokenSource {
  const fail = (reason: string) =>
    new ActionError(`The credentials in ${path} cannot be used: ${reason}`)
  const tokenUrl = checkedUrl(file.token_url, config.endpoints.STS, 'STS', fail)
  const impersonationUrl =
    file.service_account_impersonation_url === undefined
      ? undefined
      : checkedUrl(
          file.service_account_impersonation_url,
          config.endpoints.IAMCREDENTIALS,
          'IAMCREDENTIALS',
          fail
        )
  const source = file.credential_source ?? {}
  const sourceUrl = source.url ?? ''
  if (!isSecureUrl(sourceUrl)) {
    throw fail(`credential_source.url ${sourceUrl} is not https (http only on loopback hosts).`)
  }
  if (!file.audience) throw fail('it has no audience (the workload identity provider).')
  const audience = file.audience
  const lifetime = file.service_account_impersonation?.token_lifetime_seconds ?? 3600

  return async () => {
    try {
      const subjectToken = await withRetry('credential_source.url', async () => {
        const text = source.format?.type === 'text'
        const answer = await requestJson<Record<string, unknown> | string>(sourceUrl, {
          headers: source.headers ?? {},
          responseType: text ? 'text' : 'json'
        })
        const field = source.format?.subject_token_field_name ?? 'value'
        const value = typeof answer === 'string' ? answer.trim() : answer?.[field]
        if (typeof value !== 'string' || !value) {
          throw new ActionError(`credential_source.url answered without a subject token.`)
        }
        return value
      })
      core.setSecret(subjectToken)
      const federated = await exchangeToken(
        tokenUrl,
        audience,
        subjectToken,
        file.subject_token_type ?? JWT_TOKEN_TYPE
      )
      core.setSecret(federated.token)
      if (!impersonationUrl) return federated
      return await impersonate(impersonationUrl, federated.token, lifetime)
    } catch (thrown) {
      throw adcError(path, thrown)
    }
  }
}

/** A token URL from the file: only to the API the action was configured to reach (or its override). */
function checkedUrl(
  value: string | undefined,
  root: string,
  api: string,
  fail: (reason: string) => ActionError
): string {
  if (value?.startsWith(root)) return value
  throw fail(
    `${api === 'STS' ? 'token_url' : 'service_account_impersonation_url'} ${value ?? '(none)'} is ` +
      `not under ${root}; no token is sent there. If that endpoint is right, set ` +
      `CLOUDSDK_API_ENDPOINT_OVERRIDES_${api} to its root.`
  )
}

function isSecureUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))
  } catch {
    return false
  }
}

/** Everything else ADC covers, through google-auth-library. */
function googleAuthSource(
  config: Config,
  path: string | undefined,
  file: CredentialsFile | undefined
): TokenSource {
  let auth: GoogleAuth | undefined
  const create = async () => {
    const lib = await loadAuthLibrary()
    // projectId given, so the library does not spend a Resource Manager call (at the real host)
    // finding it.
    return new lib.GoogleAuth({
      scopes: [CLOUD_PLATFORM_SCOPE],
      universeDomain: config.universe,
      projectId: config.projectId,
      // The file as already read, rather than read again by the library.
      ...(file ? { credentials: file as GoogleAuthOptions['credentials'] } : {}),
      // Node's fetch and no retry of its own: the token requests go under our retry policy below.
      clientOptions: { transporter: createTransporter(lib) }
    })
  }
  return async () => {
    try {
      auth ??= await create()
      const library = auth
      // The library's exchange is idempotent as a whole: retried as one.
      return await withRetry('authenticate', async () => {
        const client = await library.getClient()
        const { token, res } = await client.getAccessToken()
        if (!token) throw new ActionError('The credentials returned no access token.')
        const expiry = (res?.data as { expiry_date?: number } | undefined)?.expiry_date
        return { token, expiresAt: expiry ?? clock.now() + 50 * 60_000 }
      })
    } catch (thrown) {
      throw adcError(path, thrown)
    }
  }
}

function readCredentialsFile(path: string): CredentialsFile {
  let file: unknown
  try {
    file = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    file = undefined
  }
  if (!file || typeof file !== 'object') {
    throw new ActionError(
      `GOOGLE_APPLICATION_CREDENTIALS points at ${path}, which is not a readable JSON credentials file. ` +
        'Run google-github-actions/auth before this step, or set workload_identity_provider.'
    )
  }
  // X.509 federation needs a client-certificate agent, which Node's fetch (our transport) cannot take.
  if ((file as CredentialsFile).credential_source?.certificate !== undefined) {
    throw new ActionError(
      `The credentials in ${path} use X.509 certificate federation, which this action does not support. ` +
        'Use GitHub OIDC federation (google-github-actions/auth, or the workload_identity_provider input).'
    )
  }
  return file as CredentialsFile
}

function adcError(path: string | undefined, thrown: unknown): ActionError {
  if (thrown instanceof ActionError) return thrown
  if (!path) {
    return new ActionError(
      'No Google credentials found. Either run google-github-actions/auth before this step, or set the ' +
        'workload_identity_provider input (and give the job `permissions: id-token: write`).'
    )
  }
  const error = toGoogleCallError('authenticate', thrown)
  if (isRetryable(error)) return unavailable(error)
  return new ActionError(
    `Authenticating with the credentials in ${path} failed: ${error.call}: ${error.message}. ` +
      'Check the workload identity provider and service account given to google-github-actions/auth.'
  )
}

/** A token endpoint that kept failing after every retry: the run cannot go on, and it is not the user's doing. */
function unavailable(error: GoogleCallError): ActionError {
  return new ActionError(
    `Authentication failed: ${error.call} kept failing (${error.status}: ${error.message}) after ` +
      'retries; this is on the server side. Rerun later.'
  )
}

// ---- Direct workload identity federation -------------------------------------------------------------

function federationSource(config: Config, provider: string): Source {
  const stsAudience = `//iam.${config.universe}/${provider}`
  // google-github-actions/auth's default audience, so one provider configuration serves both routes.
  const oidcAudience = `https://iam.${config.universe}/${provider}`
  let subject: string | undefined

  const source: TokenSource = async () => {
    const oidcToken = await githubOidcToken(oidcAudience)
    subject = jwtClaim(oidcToken, 'sub')
    const federated = await exchangeToken(
      `${config.endpoints.STS}v1/token`,
      stsAudience,
      oidcToken,
      JWT_TOKEN_TYPE
    ).catch((thrown: unknown) => {
      throw stsRefusal(thrown, provider)
    })
    core.setSecret(federated.token)
    if (!config.serviceAccount) return federated
    const email = config.serviceAccount
    const url = `${config.endpoints.IAMCREDENTIALS}v1/projects/-/serviceAccounts/${encodeURIComponent(email)}:generateAccessToken`
    return impersonate(url, federated.token, 3600).catch((thrown: unknown) => {
      throw impersonationRefusal(thrown, email, provider)
    })
  }
  const pool = provider.replace(/\/providers\/[^/]+$/, '')
  return {
    source,
    principal: () =>
      config.serviceAccount
        ? `serviceAccount:${config.serviceAccount}`
        : subject && `principal://iam.googleapis.com/${pool}/subject/${subject}`,
    method: config.serviceAccount
      ? `workload identity federation (${provider}), impersonating ${config.serviceAccount}`
      : `workload identity federation (${provider})`
  }
}

/**
 * GitHub's OIDC token, asked of the runner's token endpoint as core.getIDToken does, but under our retry
 * policy and without core's HTTP client (a second HTTP stack in the bundle). The runner's request token
 * goes only to the URL the runner gave with it.
 */
async function githubOidcToken(audience: string): Promise<string> {
  const requestUrl = process.env.ACTIONS_ID_TOKEN_REQUEST_URL
  const requestToken = process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  if (!requestUrl || !requestToken) throw new ActionError(noOidcTokenMessage())
  if (!isSecureUrl(requestUrl)) {
    throw new ActionError('ACTIONS_ID_TOKEN_REQUEST_URL is not an https URL; the runner sets it.')
  }
  const url = new URL(requestUrl)
  url.searchParams.set('audience', audience)
  try {
    const { value } = await withRetry('github.oidc.token', () =>
      requestJson<{ value?: unknown }>(url.href, {
        headers: { authorization: `Bearer ${requestToken}` }
      })
    )
    if (typeof value !== 'string' || !value) throw new Error('the answer holds no token')
    core.setSecret(value)
    return value
  } catch (thrown) {
    const error = toGoogleCallError('github.oidc.token', thrown)
    if (isRetryable(error)) throw unavailable(error)
    throw new ActionError(
      `GitHub refused to issue an OIDC token: ${error.message.split('\n')[0]}. ${noOidcTokenMessage()}`
    )
  }
}

function noOidcTokenMessage(): string {
  const forkPr = isForkPullRequest()
  return forkPr
    ? 'GitHub gives no OIDC token to workflows triggered by pull requests from forks, so this run cannot ' +
        'authenticate. Deploy from a push or a pull request from a branch of this repository instead.'
    : 'GitHub provided no OIDC token: give the job `permissions: id-token: write` (and keep `contents: read`).'
}

function isForkPullRequest(): boolean {
  if (
    !process.env.GITHUB_EVENT_NAME?.startsWith('pull_request') ||
    !process.env.GITHUB_EVENT_PATH
  ) {
    return false
  }
  try {
    const event = JSON.parse(readFileSync(process.env.GITHUB_EVENT_PATH, 'utf8')) as {
      pull_request?: { head?: { repo?: { full_name?: string; fork?: boolean } } }
      repository?: { full_name?: string }
    }
    const head = event.pull_request?.head?.repo
    return Boolean(
      head?.fork || (head?.full_name && head.full_name !== event.repository?.full_name)
    )
  } catch {
    return false
  }
}

function jwtClaim(jwt: string, claim: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'))
    const value = (payload as Record<string, unknown>)[claim]
    return typeof value === 'string' ? value : undefined
  } catch {
    return undefined
  }
}

// ---- The exchanges both routes share ---------------------------------------------------------------

interface StsResponse {
  access_token?: string
  expires_in?: number
}

/** RFC 8693 token exchange at Google's STS (REFERENCE.md "Authentication"). */
async function exchangeToken(
  tokenUrl: string,
  audience: string,
  subjectToken: string,
  subjectTokenType: string
): Promise<Token> {
  const body = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    audience,
    scope: CLOUD_PLATFORM_SCOPE,
    requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    subject_token: subjectToken,
    subject_token_type: subjectTokenType
  }).toString()
  const data = await withRetry('sts.token', () =>
    requestJson<StsResponse>(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body
    })
  )
  if (!data.access_token) {
    throw new ActionError('The Security Token Service returned no access token.')
  }
  return { token: data.access_token, expiresAt: clock.now() + (data.expires_in ?? 3600) * 1000 }
}

async function impersonate(url: string, federatedToken: string, lifetimeSeconds: number) {
  const data = await withRetry('iamcredentials.generateAccessToken', () =>
    requestJson<{ accessToken?: string; expireTime?: string }>(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${federatedToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope: [CLOUD_PLATFORM_SCOPE], lifetime: `${lifetimeSeconds}s` })
    })
  )
  if (!data.accessToken) throw new ActionError('IAM Credentials returned no access token.')
  core.setSecret(data.accessToken)
  const expiresAt = data.expireTime ? Date.parse(data.expireTime) : clock.now() + 3600_000
  return { token: data.accessToken, expiresAt }
}

function stsRefusal(thrown: unknown, provider: string): unknown {
  if (thrown instanceof ActionError) return thrown
  const error = toGoogleCallError('sts.token', thrown)
  if (isRetryable(error)) return unavailable(error)
  if (error.httpStatus === 0 || error.httpStatus >= 500) return error
  return new ActionError(
    `Google's Security Token Service refused the GitHub token for ${provider}: ${error.status}: ` +
      `${error.message}. Check that the provider exists, that its attribute condition admits this ` +
      'repository and workflow, and that its allowed audience is the default one.'
  )
}

function impersonationRefusal(thrown: unknown, email: string, provider: string): unknown {
  if (thrown instanceof ActionError) return thrown
  const error = toGoogleCallError('iamcredentials.generateAccessToken', thrown)
  if (isRetryable(error)) return unavailable(error)
  if (error.httpStatus !== 403 && error.httpStatus !== 404) return error
  const pool = provider.replace(/\/providers\/[^/]+$/, '')
  const repository = process.env.GITHUB_REPOSITORY ?? 'OWNER/REPO'
  const member = `principalSet://iam.googleapis.com/${pool}/attribute.repository/${repository}`
  return new ActionError(
    `Could not impersonate ${email}: ${error.message} The federated identity needs ` +
      `iam.serviceAccounts.getAccessToken on it. Fix: gcloud iam service-accounts add-iam-policy-binding ` +
      `${email} --role=roles/iam.workloadIdentityUser --member=${member}`
  )
}
