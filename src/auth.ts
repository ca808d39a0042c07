/**
 * Credentials for every Google call: Application Default Credentials (what google-github-actions/auth
 * leaves behind), or direct workload identity federation from GitHub's OIDC token, optionally followed by
 * service-account impersonation. Either way the result is one OAuth2Client whose every token passes
 * through `core.setSecret` before anything can use it.
 */
import * as core from '@actions/core'
import { GoogleAuth, OAuth2Client } from 'google-auth-library'
import { readFileSync } from 'node:fs'
import type { Config } from './config.js'
import { ActionError } from './errors.js'
import { toGoogleCallError } from './google/errors.js'
import { withRetry } from './google/retry.js'

const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform'

export interface Credentials {
  readonly client: OAuth2Client
  /** The IAM member the action acts as, when it can be known without a call. */
  readonly principal: string | undefined
  /** How the action authenticated, in words, for the summary. */
  readonly method: string
}

interface TokenSource {
  (): Promise<{ token: string; expiresAt: number }>
}

/** Authenticates and fetches the first token, so that an auth failure ends the run before any check. */
export async function authenticate(config: Config): Promise<Credentials> {
  const { source, principal, method } = config.workloadIdentityProvider
    ? federationSource(config, config.workloadIdentityProvider)
    : applicationDefaultSource(config)

  const client = new OAuth2Client({ universeDomain: config.universe })
  client.refreshHandler = async () => {
    const { token, expiresAt } = await source()
    core.setSecret(token)
    return { access_token: token, expiry_date: expiresAt }
  }
  await client.getAccessToken()
  return { client, principal: principal(), method }
}

// ---- Application Default Credentials ---------------------------------------------------------------

interface CredentialsFile {
  type?: string
  client_email?: string
  audience?: string
  service_account_impersonation_url?: string
}

function applicationDefaultSource(config: Config) {
  const path = process.env.GOOGLE_APPLICATION_CREDENTIALS
  const file = path ? readCredentialsFile(path) : undefined
  const impersonated = file?.service_account_impersonation_url?.match(
    /serviceAccounts\/([^:/]+):/
  )?.[1]
  const email = impersonated ? decodeURIComponent(impersonated) : file?.client_email
  // projectId given, so the library does not spend a Resource Manager call (at the real host) finding it.
  const auth = new GoogleAuth({
    scopes: [CLOUD_PLATFORM_SCOPE],
    universeDomain: config.universe,
    projectId: config.projectId
  })

  const source: TokenSource = async () => {
    try {
      const client = await auth.getClient()
      const { token, res } = await client.getAccessToken()
      if (!token) throw new Error('the credentials returned no access token')
      const expiry = (res?.data as { expiry_date?: number } | undefined)?.expiry_date
      return { token, expiresAt: expiry ?? Date.now() + 50 * 60_000 }
    } catch (thrown) {
      throw adcError(path, thrown)
    }
  }
  return {
    source,
    principal: () => (email ? `serviceAccount:${email}` : undefined),
    method: path
      ? `Application Default Credentials (${file?.type ?? 'unknown type'} from GOOGLE_APPLICATION_CREDENTIALS)`
      : 'Application Default Credentials'
  }
}

function readCredentialsFile(path: string): CredentialsFile {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as CredentialsFile
  } catch {
    throw new ActionError(
      `GOOGLE_APPLICATION_CREDENTIALS points at ${path}, which is not a readable JSON credentials file. ` +
        'Run google-github-actions/auth before this step, or set workload_identity_provider.'
    )
  }
}

function adcError(path: string | undefined, thrown: unknown): ActionError {
  if (!path) {
    return new ActionError(
      'No Google credentials found. Either run google-github-actions/auth before this step, or set the ' +
        'workload_identity_provider input (and give the job `permissions: id-token: write`).'
    )
  }
  const error = toGoogleCallError('authenticate', thrown)
  return new ActionError(
    `Authenticating with the credentials in ${path} failed: ${error.message}. ` +
      'Check the workload identity provider and service account given to google-github-actions/auth.'
  )
}

// ---- Direct workload identity federation -------------------------------------------------------------

function federationSource(config: Config, provider: string) {
  const stsAudience = `//iam.${config.universe}/${provider}`
  // google-github-actions/auth's default audience, so one provider configuration serves both routes.
  const oidcAudience = `https://iam.${config.universe}/${provider}`
  let subject: string | undefined

  const source: TokenSource = async () => {
    const oidcToken = await githubOidcToken(oidcAudience)
    subject = jwtClaim(oidcToken, 'sub')
    const federated = await exchangeToken(config.endpoints.STS, stsAudience, oidcToken, provider)
    core.setSecret(federated.token)
    if (!config.serviceAccount) return federated
    return impersonate(
      config.endpoints.IAMCREDENTIALS,
      federated.token,
      config.serviceAccount,
      provider
    )
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

async function githubOidcToken(audience: string): Promise<string> {
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new ActionError(noOidcTokenMessage())
  }
  try {
    const token = await core.getIDToken(audience)
    core.setSecret(token)
    return token
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message.split('\n')[0] : String(thrown)
    throw new ActionError(
      `GitHub refused to issue an OIDC token: ${reason}. ${noOidcTokenMessage()}`
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

interface StsResponse {
  access_token?: string
  expires_in?: number
  error?: string
  error_description?: string
}

/** RFC 8693 token exchange at Google's STS (REFERENCE.md "Authentication"). */
async function exchangeToken(
  stsRoot: string,
  audience: string,
  subjectToken: string,
  provider: string
) {
  const body = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    audience,
    scope: CLOUD_PLATFORM_SCOPE,
    requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    subject_token: subjectToken,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt'
  })
  const response = await withRetry('sts.token', () =>
    fetchOk(`${stsRoot}v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body
    })
  ).catch((thrown: unknown) => {
    const error = toGoogleCallError('sts.token', thrown)
    if (error.httpStatus === 0 || error.httpStatus >= 500) throw error
    throw new ActionError(
      `Google's Security Token Service refused the GitHub token for ${provider}: ${error.status}: ` +
        `${error.message}. Check that the provider exists, that its attribute condition admits this ` +
        'repository and workflow, and that its allowed audience is the default one.'
    )
  })
  const data = (await response.json()) as StsResponse
  if (!data.access_token)
    throw new ActionError('The Security Token Service returned no access token.')
  return { token: data.access_token, expiresAt: Date.now() + (data.expires_in ?? 3600) * 1000 }
}

async function impersonate(root: string, federatedToken: string, email: string, provider: string) {
  const url = `${root}v1/projects/-/serviceAccounts/${encodeURIComponent(email)}:generateAccessToken`
  const response = await withRetry('iamcredentials.generateAccessToken', () =>
    fetchOk(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${federatedToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope: [CLOUD_PLATFORM_SCOPE], lifetime: '3600s' })
    })
  ).catch((thrown: unknown) => {
    const error = toGoogleCallError('iamcredentials.generateAccessToken', thrown)
    if (error.httpStatus !== 403 && error.httpStatus !== 404) throw error
    const pool = provider.replace(/\/providers\/[^/]+$/, '')
    const repository = process.env.GITHUB_REPOSITORY ?? 'OWNER/REPO'
    const member = `principalSet://iam.googleapis.com/${pool}/attribute.repository/${repository}`
    throw new ActionError(
      `Could not impersonate ${email}: ${error.message} The federated identity needs ` +
        `iam.serviceAccounts.getAccessToken on it. Fix: gcloud iam service-accounts add-iam-policy-binding ` +
        `${email} --role=roles/iam.workloadIdentityUser --member=${member}`
    )
  })
  const data = (await response.json()) as { accessToken?: string; expireTime?: string }
  if (!data.accessToken) throw new ActionError('IAM Credentials returned no access token.')
  core.setSecret(data.accessToken)
  const expiresAt = data.expireTime ? Date.parse(data.expireTime) : Date.now() + 3600_000
  return { token: data.accessToken, expiresAt }
}

/** fetch that throws non-2xx answers in the shape toGoogleCallError understands. */
async function fetchOk(url: string, init: RequestInit): Promise<Response> {
  const response = await fetch(url, init)
  if (response.ok) return response
  const text = await response.text()
  throw Object.assign(new Error(`HTTP ${response.status}`), {
    response: { status: response.status, data: text, headers: response.headers }
  })
}
