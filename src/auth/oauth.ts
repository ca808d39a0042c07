/**
 * The token endpoints the action talks to itself, each answer turned into a token with its real expiry on
 * the action's clock (src/clock.ts): STS's token exchange and IAM Credentials' generateAccessToken
 * (federation and impersonation), and OAuth 2.0's token endpoint for service-account keys (the JWT bearer
 * grant) and refresh tokens. google-auth-library's own clients would compute expiry with Date.now(),
 * send a key's assertion to a fixed https://oauth2.googleapis.com/token whatever the key file says
 * (build/src/gtoken/getToken.js), and retry under a policy of their own; here every call goes through
 * src/google/retry.ts.
 *
 * Nothing here masks the token it returns: whoever uses a token first registers it (core.setSecret).
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto'
import { clock } from '../clock.js'
import { ActionError } from '../errors.js'
import { requestJson } from '../google/http.js'
import { withRetry } from '../google/retry.js'
import type { Token } from './token.js'

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform'
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
/** Where Google's key files and gcloud's user credentials get their tokens when the file names none. */
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token'

/**
 * `expires_in` (seconds from now, RFC 6749 §5.1) as a time on the action's clock.
 * ASSUMPTION: an answer without it lives an hour, the default lifetime of Google's access tokens.
 */
export function expiryFrom(now: number, expiresIn: unknown): number {
  const seconds = typeof expiresIn === 'number' && expiresIn >= 0 ? expiresIn : 3600
  return now + seconds * 1000
}

interface OAuthTokenAnswer {
  access_token?: string
  expires_in?: number
}

function tokenFrom(answer: OAuthTokenAnswer, from: string): Token {
  if (typeof answer.access_token !== 'string' || !answer.access_token) {
    throw new ActionError(`${from} returned no access token.`)
  }
  return { token: answer.access_token, expiresAt: expiryFrom(clock.now(), answer.expires_in) }
}

const basicAuthorization = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

export interface TokenExchange {
  readonly tokenUrl: string
  /** The workload (or workforce) identity provider, `//iam.googleapis.com/...`. */
  readonly audience: string
  readonly subjectToken: string
  readonly subjectTokenType: string
  /** A workforce pool's user project, sent when there is no client authentication. */
  readonly userProject?: string
  /** An OAuth client of the file (client_id / client_secret), sent as HTTP Basic authentication. */
  readonly client?: { readonly id: string; readonly secret: string }
}

/**
 * RFC 8693 token exchange at Google's STS (https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token).
 * `options` carries a workforce pool's `userProject` as JSON, as google-auth-library sends it
 * (build/src/auth/baseexternalclient.js, stscredentials.js).
 */
export async function exchangeToken(exchange: TokenExchange): Promise<Token> {
  const form: Record<string, string> = {
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    audience: exchange.audience,
    scope: CLOUD_PLATFORM_SCOPE,
    requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    subject_token: exchange.subjectToken,
    subject_token_type: exchange.subjectTokenType
  }
  if (exchange.userProject && !exchange.client) {
    form.options = JSON.stringify({ userProject: exchange.userProject })
  }
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (exchange.client) {
    headers.authorization = basicAuthorization(exchange.client.id, exchange.client.secret)
  }
  const body = new URLSearchParams(form).toString()
  const answer = await withRetry('sts.token', () =>
    requestJson<OAuthTokenAnswer>(exchange.tokenUrl, { method: 'POST', headers, body })
  )
  return tokenFrom(answer, 'The Security Token Service')
}

export interface Impersonation {
  /** `.../v1/projects/-/serviceAccounts/EMAIL:generateAccessToken` */
  readonly url: string
  readonly bearer: string
  readonly lifetimeSeconds: number
  /** The delegation chain, `projects/-/serviceAccounts/EMAIL` each (impersonated_service_account files). */
  readonly delegates?: readonly string[]
}

/**
 * IAM Credentials generateAccessToken
 * (https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken):
 * the answer's `expireTime` is an absolute RFC 3339 time, which is where the token's expiry comes from.
 */
export async function impersonate(request: Impersonation): Promise<Token> {
  const body = JSON.stringify({
    scope: [CLOUD_PLATFORM_SCOPE],
    lifetime: `${request.lifetimeSeconds}s`,
    ...(request.delegates?.length ? { delegates: request.delegates } : {})
  })
  const answer = await withRetry('iamcredentials.generateAccessToken', () =>
    requestJson<{ accessToken?: string; expireTime?: string }>(request.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${request.bearer}`, 'content-type': 'application/json' },
      body
    })
  )
  if (typeof answer.accessToken !== 'string' || !answer.accessToken) {
    throw new ActionError('IAM Credentials returned no access token.')
  }
  const expireTime = answer.expireTime ? Date.parse(answer.expireTime) : Number.NaN
  return {
    token: answer.accessToken,
    expiresAt: Number.isNaN(expireTime) ? clock.now() + request.lifetimeSeconds * 1000 : expireTime
  }
}

export interface RefreshGrant {
  readonly tokenUri: string
  readonly refreshToken: string
  readonly clientId: string
  readonly clientSecret: string
  /**
   * `body`: client_id and client_secret in the form, as gcloud's authorized_user credentials send them;
   * `basic`: HTTP Basic, as STS's oauthtoken endpoint takes them (external_account_authorized_user).
   */
  readonly clientAuthentication: 'body' | 'basic'
}

/** RFC 6749 §6: a refresh token for an access token. */
export async function refreshTokenGrant(grant: RefreshGrant): Promise<Token> {
  const form: Record<string, string> = {
    grant_type: 'refresh_token',
    refresh_token: grant.refreshToken
  }
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (grant.clientAuthentication === 'basic') {
    headers.authorization = basicAuthorization(grant.clientId, grant.clientSecret)
  } else {
    form.client_id = grant.clientId
    form.client_secret = grant.clientSecret
  }
  const body = new URLSearchParams(form).toString()
  const call = grant.clientAuthentication === 'basic' ? 'sts.oauthtoken' : 'oauth2.token'
  const answer = await withRetry(call, () =>
    requestJson<OAuthTokenAnswer>(grant.tokenUri, { method: 'POST', headers, body })
  )
  return tokenFrom(answer, 'The OAuth 2.0 token endpoint')
}

/** A service account's key, as its JSON key file holds it. */
export interface ServiceAccountKey {
  readonly email: string
  /** Parsed once, when the file is read: a key that is not one fails before any request. */
  readonly privateKey: KeyObject
  readonly keyId: string | undefined
  readonly tokenUri: string
}

/** The longest lifetime Google accepts for a key's assertion and for a self-signed JWT. */
const JWT_LIFETIME_S = 3600

/**
 * The claims of the assertion a key signs for its access token: RFC 7523 §3, as Google's OAuth 2.0
 * server for service accounts documents them
 * (https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests).
 */
export function assertionClaims(key: ServiceAccountKey, nowMs: number) {
  const iat = Math.floor(nowMs / 1000)
  return {
    iss: key.email,
    scope: CLOUD_PLATFORM_SCOPE,
    aud: key.tokenUri,
    iat,
    exp: iat + JWT_LIFETIME_S
  }
}

/**
 * A self-signed JWT with a scope, used as the access token itself: what google-auth-library sends for a
 * key outside the default universe (build/src/auth/jwtclient.js, getRequestMetadataAsync), where there is
 * no OAuth 2.0 token endpoint (https://google.aip.dev/auth/4111).
 */
export function selfSignedClaims(key: ServiceAccountKey, nowMs: number) {
  const iat = Math.floor(nowMs / 1000)
  return {
    iss: key.email,
    sub: key.email,
    scope: CLOUD_PLATFORM_SCOPE,
    iat,
    exp: iat + JWT_LIFETIME_S
  }
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** An RS256 JWT (RFC 7515 compact serialisation). */
export function signJwt(claims: object, key: KeyObject, keyId: string | undefined): string {
  const header = { alg: 'RS256', typ: 'JWT', ...(keyId ? { kid: keyId } : {}) }
  const input = `${base64url(header)}.${base64url(claims)}`
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`
}

/** A PEM private key, or undefined when the text is not one. */
export function parsePrivateKey(pem: string): KeyObject | undefined {
  try {
    return createPrivateKey(pem)
  } catch {
    return undefined
  }
}

/**
 * A service-account key's access token: the JWT bearer grant at the key's token_uri in Google's universe,
 * a self-signed JWT elsewhere.
 */
export async function serviceAccountToken(
  key: ServiceAccountKey,
  universe: string
): Promise<Token> {
  const signingKey = key.privateKey
  if (universe !== 'googleapis.com') {
    const claims = selfSignedClaims(key, clock.now())
    return { token: signJwt(claims, signingKey, key.keyId), expiresAt: claims.exp * 1000 }
  }
  const answer = await withRetry('oauth2.token', () => {
    // A new assertion per attempt: its iat is checked against the server's clock.
    const assertion = signJwt(assertionClaims(key, clock.now()), signingKey, key.keyId)
    const body = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion
    }).toString()
    return requestJson<OAuthTokenAnswer>(key.tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body
    })
  })
  return tokenFrom(answer, 'The OAuth 2.0 token endpoint')
}
