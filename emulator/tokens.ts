/**
 * Every credential the emulator hands out: GitHub's OIDC token endpoint (what `core.getIDToken` calls),
 * Google's Security Token Service exchange (workload identity federation), IAM Credentials'
 * generateAccessToken (service-account impersonation), and plain access tokens for tests.
 */
import { randomBytes } from 'node:crypto'
import { GoogleApiError, type EmulatorRequest, type Route, type Scenario } from './core.js'
import { permissionDenied, type IamModel } from './iam.js'

const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const SUBJECT_TOKEN_TYPES = [
  'urn:ietf:params:oauth:token-type:jwt',
  'urn:ietf:params:oauth:token-type:id_token'
]
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'
/** The path of GitHub's ID token request URL (ACTIONS_ID_TOKEN_REQUEST_URL on a runner). */
export const GITHUB_OIDC_PATH =
  '/_apis/distributedtask/hubs/Actions/plans/emulator/jobs/emulator/idtoken'
/** ASSUMPTION: GitHub's OIDC tokens are valid for about five minutes. */
const OIDC_LIFETIME_S = 300
const ACCESS_LIFETIME_S = 3600

export type TokenKind = 'github-request' | 'github-oidc' | 'federated' | 'access'

interface IssuedToken {
  readonly kind: TokenKind
  /** The IAM member an access token stands for. */
  readonly member: string | undefined
  readonly expiresAt: number
  /** Claims of a GitHub OIDC token. */
  readonly claims?: Readonly<Record<string, string | number>>
}

function random(bytes = 24): string {
  return randomBytes(bytes).toString('base64url')
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** Google's timestamps: RFC 3339 in UTC, whole seconds. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** An STS error as Google's STS writes it: OAuth 2.0's shape (RFC 6749 §5.2), HTTP 400. */
function stsError(error: string, description: string) {
  return { status: 400, body: { error, error_description: description } }
}

/**
 * GitHub's answer to a missing or wrong runtime token on the ID token endpoint.
 * ASSUMPTION: the Actions service's 401 body; `core.getIDToken` only reports its `message`.
 */
function githubUnauthorized() {
  return {
    status: 401,
    body: {
      $id: '1',
      innerException: null,
      message: "TF400813: The user '' is not authorized to access this resource.",
      typeName:
        'Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server',
      typeKey: 'UnauthorizedRequestException',
      errorCode: 0,
      eventId: 3000
    }
  }
}

export type TokenLookup =
  { readonly state: 'valid'; readonly member: string } | { readonly state: 'expired' | 'unknown' }

export class TokenService {
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN: the runner's bearer for the OIDC endpoint. */
  readonly requestToken = `emu-ghrt-${random()}`
  private readonly issued = new Map<string, IssuedToken>()
  private readonly providers: ReadonlySet<string>

  constructor(
    private readonly scenario: Scenario,
    private readonly iam: IamModel,
    private readonly now: () => number
  ) {
    this.providers = new Set(scenario.workloadIdentityProviders ?? [])
    this.issued.set(this.requestToken, {
      kind: 'github-request',
      member: undefined,
      expiresAt: Infinity
    })
    for (const [token, member] of Object.entries(scenario.accessTokens ?? {})) {
      this.issued.set(token, { kind: 'access', member, expiresAt: Infinity })
    }
  }

  /** Every token issued so far, of every kind (for secret-scan tests). */
  all(): string[] {
    return [...this.issued.keys()]
  }

  issueAccessToken(
    member: string,
    lifetimeS = ACCESS_LIFETIME_S
  ): { token: string; expiresAt: number } {
    const token = `ya29.emu-at-${random()}`
    const expiresAt = this.now() + lifetimeS * 1000
    this.issued.set(token, { kind: 'access', member, expiresAt })
    return { token, expiresAt }
  }

  /** The member a bearer token stands for, if it is a Google access token the emulator issued. */
  resolve(token: string): TokenLookup {
    const issued = this.issued.get(token)
    if (!issued || !issued.member || (issued.kind !== 'access' && issued.kind !== 'federated')) {
      return { state: 'unknown' }
    }
    if (issued.expiresAt <= this.now()) return { state: 'expired' }
    return { state: 'valid', member: issued.member }
  }

  /** Issues a GitHub OIDC token with the scenario's claims. */
  issueOidcToken(audience: string | undefined): string {
    const github = this.scenario.github ?? {
      repository: 'octo-org/octo-repo',
      ref: 'refs/heads/main'
    }
    const [owner = ''] = github.repository.split('/')
    const iat = Math.floor(this.now() / 1000)
    const claims = {
      jti: random(16),
      sub: `repo:${github.repository}:ref:${github.ref}`,
      // GitHub's default audience is the URL of the repository owner
      // (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect).
      aud: audience ?? `https://github.com/${owner}`,
      ref: github.ref,
      ref_type: github.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      repository: github.repository,
      repository_owner: owner,
      actor: github.actor ?? 'octocat',
      event_name: 'push',
      workflow: 'deploy',
      job_workflow_ref: `${github.repository}/.github/workflows/deploy.yml@${github.ref}`,
      runner_environment: 'github-hosted',
      iss: GITHUB_ISSUER,
      nbf: iat - 5,
      iat,
      exp: iat + OIDC_LIFETIME_S
    }
    // Nobody verifies the signature: STS accepts exactly the tokens recorded here.
    const jwt = `${base64url({ alg: 'RS256', typ: 'JWT', kid: 'emulator' })}.${base64url(claims)}.${random(64)}`
    this.issued.set(jwt, {
      kind: 'github-oidc',
      member: undefined,
      expiresAt: claims.exp * 1000,
      claims
    })
    return jwt
  }

  routes(): Route[] {
    return [
      {
        method: 'GET',
        pattern: new RegExp(`^${GITHUB_OIDC_PATH}$`),
        name: 'github.oidc.token',
        handler: req => this.githubToken(req)
      },
      {
        method: 'POST',
        pattern: /^\/v1\/token$/,
        name: 'sts.token',
        handler: req => this.exchange(req)
      },
      {
        method: 'POST',
        pattern:
          /^\/v1\/projects\/(?<project>[^/]+)\/serviceAccounts\/(?<email>[^/:]+?)(?::|%3A)generateAccessToken$/,
        name: 'iamcredentials.generateAccessToken',
        handler: req => this.generateAccessToken(req)
      }
    ]
  }

  /** GitHub's ID token endpoint: `GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=...` → `{value}`. */
  private githubToken(req: EmulatorRequest) {
    if (req.token !== this.requestToken) return githubUnauthorized()
    const audience = req.url.searchParams.get('audience') ?? undefined
    return { body: { value: this.issueOidcToken(audience) } }
  }

  /**
   * STS token exchange (https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token),
   * as workload identity federation uses it with a GitHub OIDC token.
   */
  private exchange(req: EmulatorRequest) {
    const form = (req.body ?? {}) as Record<string, unknown>
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '')
    // ASSUMPTION: the descriptions of STS's invalid_request / unsupported_grant_type errors.
    if (field('grant_type') !== TOKEN_EXCHANGE) {
      return stsError(
        'unsupported_grant_type',
        `Invalid value for "grant_type": ${field('grant_type')}`
      )
    }
    if (!SUBJECT_TOKEN_TYPES.includes(field('subject_token_type'))) {
      return stsError('invalid_request', 'Invalid value for "subject_token_type".')
    }
    const requested = field('requested_token_type')
    if (requested && requested !== ACCESS_TOKEN_TYPE) {
      return stsError('invalid_request', 'Invalid value for "requested_token_type".')
    }
    const audience = field('audience')
    const provider = audience.replace(/^\/\/iam\.googleapis\.com\//, '')
    if (audience === provider || !this.providers.has(provider)) {
      // Source: STS's wording for a provider that does not exist or is disabled.
      return stsError(
        'invalid_target',
        'The target service indicated by the "audience" parameters is invalid. This might either be because ' +
          "the pool or provider is disabled or deleted or because it doesn't exist."
      )
    }
    const subject = this.issued.get(field('subject_token'))
    if (!subject || subject.kind !== 'github-oidc' || !subject.claims) {
      // ASSUMPTION: STS's wording for a token that is not a JWT its issuer signed.
      return stsError('invalid_grant', 'Unable to parse or verify the ID Token.')
    }
    if (subject.expiresAt <= this.now()) {
      // ASSUMPTION: STS's wording for an expired subject token.
      return stsError('invalid_grant', 'The ID Token has expired.')
    }
    // A provider accepts, by default, only its own URL as audience
    // (https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines).
    const expected = `https://iam.googleapis.com/${provider}`
    const aud = String(subject.claims.aud)
    if (aud !== expected) {
      return stsError(
        'invalid_grant',
        `The audience in ID Token [${aud}] does not match the expected audience ${expected}.`
      )
    }
    // The attribute mapping google-github-actions/auth documents: google.subject=assertion.sub plus
    // repository, repository_owner, ref and actor as attributes.
    const pool = provider.replace(/\/providers\/[^/]+$/, '')
    const member = `principal://iam.googleapis.com/${pool}/subject/${String(subject.claims.sub)}`
    const attributes: Record<string, string> = {}
    for (const name of ['repository', 'repository_owner', 'ref', 'actor']) {
      attributes[name] = String(subject.claims[name] ?? '')
    }
    this.iam.recordFederatedPrincipal(member, attributes)
    const token = `ya29.emu-fed-${random()}`
    // An hour by default; a scenario can shorten it so that a test meets an expiring federated token.
    const lifetimeS = this.scenario.stsTokenLifetimeSeconds ?? ACCESS_LIFETIME_S
    this.issued.set(token, {
      kind: 'federated',
      member,
      expiresAt: this.now() + lifetimeS * 1000
    })
    return {
      body: {
        access_token: token,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: 'Bearer',
        expires_in: lifetimeS
      }
    }
  }

  /**
   * IAM Credentials generateAccessToken
   * (https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken).
   */
  private generateAccessToken(req: EmulatorRequest) {
    this.iam.requireAuthenticated(req.principal)
    const email = req.params.email ?? ''
    if (!this.iam.hasServiceAccount(email)) {
      // Source: the 404 IAM Credentials returns for an account that does not exist.
      throw new GoogleApiError('NOT_FOUND', `Not found; Gaia id not found for email ${email}`)
    }
    const permission = 'iam.serviceAccounts.getAccessToken'
    const resource = this.iam.canonical(`projects/-/serviceAccounts/${email}`)
    if (!this.iam.hasPermission(req.principal, permission, resource)) {
      // Source: IAM Credentials names no resource in this message, unlike most APIs.
      throw permissionDenied(
        permission,
        resource,
        `Permission '${permission}' denied on resource (or it may not exist).`
      )
    }
    const body = (req.body ?? {}) as { lifetime?: unknown }
    const lifetime =
      typeof body.lifetime === 'string' ? Number(body.lifetime.replace(/s$/, '')) : 3600
    // Without the constraints/iam.allowServiceAccountCredentialLifetimeExtension org policy, at most 1 h.
    if (!Number.isFinite(lifetime) || lifetime <= 0 || lifetime > 3600) {
      throw new GoogleApiError(
        'INVALID_ARGUMENT',
        `The lifetime must be between 1s and 3600s; got ${String(body.lifetime)}.`
      )
    }
    const { token, expiresAt } = this.issueAccessToken(
      `serviceAccount:${email.toLowerCase()}`,
      lifetime
    )
    return { body: { accessToken: token, expireTime: rfc3339(expiresAt) } }
  }
}
