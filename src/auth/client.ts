/**
 * The OAuth2Client every Google call goes through (googleapis' clients and src/google/gcp.ts's own
 * requests), holding tokens from one TokenSource and replacing each before it expires — on the action's
 * clock, also across a deploy or an IAM propagation wait that outlasts a token.
 *
 * google-auth-library decides to refresh in OAuth2Client.isTokenExpiring, comparing `expiry_date` with
 * `new Date().getTime()` plus eagerRefreshThresholdMillis (build/src/auth/oauth2client.js); that
 * decision is overridden here to use src/clock.ts, which the tests share with the emulator. When the
 * token is due, the library calls `refreshHandler` (getRequestMetadataAsync, getAccessTokenAsync), which
 * fetches the next token from the source: once for any number of concurrent requests, and masked before
 * any request carries it.
 */
import * as core from '@actions/core'
import type { gaxios, OAuth2Client } from 'google-auth-library'
import { clock } from '../clock.js'
import { ActionError } from '../errors.js'
import { createTransporter, type AuthLibrary } from '../google/transport.js'
import type { Token, TokenSource } from './token.js'

/** How long before its expiry a token is replaced, at most: enough for a slow request and clock skew. */
export const REFRESH_MARGIN_MS = 5 * 60_000

/**
 * When a token received at `receivedAt` that expires at `expiresAt` should be replaced: five minutes
 * before it expires, or a quarter of its lifetime before for a short-lived one (a 5-minute token from a
 * metadata server, an impersonated token with a short token_lifetime_seconds), so that it is used for
 * three quarters of its life and never past it.
 */
export function refreshDueAt(receivedAt: number, expiresAt: number): number {
  const lifetime = Math.max(0, expiresAt - receivedAt)
  return expiresAt - Math.min(REFRESH_MARGIN_MS, lifetime / 4)
}

interface ErrorBody {
  error?: { details?: { '@type'?: string; reason?: string }[] }
}

/**
 * Whether a failed call is Google's answer to an expired access token: HTTP 401 whose ErrorInfo says
 * ACCESS_TOKEN_EXPIRED, or a 401 with no ErrorInfo at all (older front ends answer `authError` only).
 * Other 401 reasons (ACCESS_TOKEN_TYPE_UNSUPPORTED, CREDENTIALS_MISSING) would fail the same way again.
 * ASSUMPTION: Google's front end names an expired token ACCESS_TOKEN_EXPIRED in an ErrorInfo detail
 * (https://cloud.google.com/apis/design/errors#error_info; the emulator does the same, emulator/server.ts).
 */
export function isExpiredTokenAnswer(thrown: unknown): boolean {
  const response = (thrown as { response?: { status?: number; data?: unknown } } | undefined)
    ?.response
  if (response?.status !== 401) return false
  let body: ErrorBody | undefined
  try {
    body = (
      typeof response.data === 'string' ? JSON.parse(response.data) : response.data
    ) as ErrorBody
  } catch {
    body = undefined
  }
  const reasons = (body?.error?.details ?? [])
    .filter(d => d['@type']?.endsWith('google.rpc.ErrorInfo'))
    .map(d => d.reason)
  return reasons.length === 0 || reasons.includes('ACCESS_TOKEN_EXPIRED')
}

/** The current token, when it is due, and the one fetch of the next. */
class Tokens {
  #current: Token | undefined
  #dueAt = -Infinity
  #next: Promise<Token> | undefined

  constructor(
    private readonly source: TokenSource,
    first: Token
  ) {
    this.#accept(first)
  }

  due(): boolean {
    return clock.now() >= this.#dueAt
  }

  /** The next token; concurrent callers share one fetch. */
  fresh(): Promise<Token> {
    this.#next ??= this.source()
      .then(token => this.#accept(token))
      .finally(() => (this.#next = undefined))
    return this.#next
  }

  /** A token an API refused as expired is due at once (unless a newer one already replaced it). */
  invalidate(refused: string | undefined): void {
    if (refused === undefined || refused === this.#current?.token) this.#dueAt = -Infinity
  }

  #accept(token: Token): Token {
    const now = clock.now()
    if (token.expiresAt <= now) {
      throw new ActionError(
        'The credentials answered with an access token that has already expired. Check the ' +
          "runner's clock."
      )
    }
    // A metadata server hands out its cached token again, with less time left: masked once.
    if (token.token !== this.#current?.token) core.setSecret(token.token)
    this.#current = token
    this.#dueAt = refreshDueAt(now, token.expiresAt)
    return token
  }
}

const bearerOf = (headers: gaxios.GaxiosOptions['headers']) =>
  headers instanceof Headers ? headers.get('authorization')?.replace(/^Bearer\s+/i, '') : undefined

/**
 * An OAuth2Client that carries `first` and then whatever `source` gives, refreshed on the action's clock.
 * `first` was fetched before the client exists, so that an authentication failure ends the run before any
 * check.
 */
export function createTokenClient(
  lib: AuthLibrary,
  universe: string,
  source: TokenSource,
  first: Token
): OAuth2Client {
  const tokens = new Tokens(source, first)
  const credentials = (token: Token) => ({
    access_token: token.token,
    expiry_date: token.expiresAt
  })

  class ClockedClient extends lib.OAuth2Client {
    constructor() {
      super({ universeDomain: universe, transporter: createTransporter(lib) })
      // expiry_date is on the action's clock: only isTokenExpiring below reads it, never the library.
      this.setCredentials(credentials(first))
      this.refreshHandler = async () => credentials(await tokens.fresh())
    }

    protected override isTokenExpiring(): boolean {
      return tokens.due()
    }

    /**
     * The library's own retry after a 401 or 403 is switched off (`reAuthRetried`): it would fetch a new
     * token after every permission denial, which the checks meet on purpose. A token the API says has
     * expired is replaced once, and the request sent again.
     */
    protected override async requestAsync<T>(
      opts: gaxios.GaxiosOptions,
      reAuthRetried = false
    ): Promise<gaxios.GaxiosResponse<T>> {
      try {
        return await super.requestAsync<T>(opts, true)
      } catch (thrown) {
        if (reAuthRetried || !isExpiredTokenAnswer(thrown)) throw thrown
        core.debug('An API refused the access token as expired; fetching a new one.')
        tokens.invalidate(bearerOf(opts.headers))
        return this.requestAsync<T>(opts, true)
      }
    }
  }
  return new ClockedClient()
}
