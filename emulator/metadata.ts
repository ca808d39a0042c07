/**
 * The Compute Engine metadata server, as a self-hosted runner on a VM (or a GKE node) sees it: the VM's
 * service account, its access tokens and the VM's project. google-auth-library falls back to it when no
 * credentials file is found; gcp-metadata finds it at GCE_METADATA_HOST, probes `/computeMetadata/v1/instance`,
 * sends `Metadata-Flavor: Google` and rejects any answer without that header (gcp-metadata 9,
 * build/src/index.js: getBaseUrl, metadataAccessor, isAvailable; google-auth-library 11,
 * build/src/auth/computeclient.js: refreshTokenNoCache).
 *
 * Tokens: "The metadata server caches access tokens until they have 5 minutes of remaining time before
 * they expire" (https://cloud.google.com/compute/docs/access/authenticate-workloads#applications), so a
 * client can be handed a token with only minutes left, and asking again returns the same token until
 * the server refreshes it. Here each token lives `metadataTokenLifetimeSeconds` (300 by default) on the
 * emulator's clock, and the cached one is handed out until less than `metadataTokenRefreshMarginSeconds`
 * (60 by default) is left. ASSUMPTION: the defaults are scaled down from Google's 3600 s tokens and
 * 300 s margin so that tests meet an expiring token within minutes; a margin of 300 s on 300 s tokens
 * would mint a new token on every request. (A 2020 report measured 30 s instead of the documented
 * 5 minutes: googleapis/google-auth-library-python#581.)
 */
import type { EmulatorRequest, EmulatorResponse, Route, Scenario } from './core.js'
import type { IamModel } from './iam.js'
import type { TokenService } from './tokens.js'

/** gcp-metadata's BASE_PATH. */
export const METADATA_ROOT = '/computeMetadata/v1'
export const DEFAULT_METADATA_TOKEN_LIFETIME_S = 300
export const DEFAULT_METADATA_REFRESH_MARGIN_S = 60
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform'

/** Headers of every answer; `Server` is the value Compute Engine's metadata server sends. */
const SERVER_HEADERS = { 'Metadata-Flavor': 'Google', Server: 'Metadata Server for VM' } as const

/**
 * Whether the token request mints a new token: there is none yet, or the cached one has less than the
 * margin left (an expired one included).
 */
export function needsNewToken(
  expiresAt: number | undefined,
  now: number,
  refreshMarginMs: number
): boolean {
  return expiresAt === undefined || expiresAt - now < refreshMarginMs
}

/** A plain-text answer, as the metadata server gives values and directory listings. */
function text(body: string, status = 200): EmulatorResponse {
  return { status, body, headers: { ...SERVER_HEADERS, 'Content-Type': 'application/text' } }
}

function html(status: number, body: string): EmulatorResponse {
  return {
    status,
    body,
    headers: { ...SERVER_HEADERS, 'Content-Type': 'text/html; charset=UTF-8' }
  }
}

/**
 * Source: the metadata server's 403 for a request without the header, as quoted in Google's GKE
 * workload identity tutorial ("Your client does not have permission to get URL <code>...</code> from
 * this server. Missing Metadata-Flavor:Google header.").
 */
function missingFlavor(path: string): EmulatorResponse {
  return html(
    403,
    `<p>Your client does not have permission to get URL <code>${path}</code> from this server. ` +
      'Missing Metadata-Flavor:Google header.</p>'
  )
}

/** ASSUMPTION: the body of the metadata server's 404; gcp-metadata looks only at the status. */
function notFound(path: string): EmulatorResponse {
  return html(404, `<p>The requested URL <code>${path}</code> was not found on this server.</p>`)
}

export interface MetadataTokenAnswer {
  readonly access_token: string
  readonly expires_in: number
  readonly token_type: 'Bearer'
}

export class MetadataServer {
  readonly email: string
  private readonly lifetimeS: number
  private readonly refreshMarginMs: number
  private readonly project: { readonly id: string; readonly number: string }
  private cached: { readonly token: string; readonly expiresAt: number } | undefined

  constructor(
    scenario: Scenario & { readonly metadataServiceAccount: string },
    iam: IamModel,
    private readonly tokens: TokenService,
    private readonly now: () => number
  ) {
    this.email = scenario.metadataServiceAccount.toLowerCase()
    this.lifetimeS = scenario.metadataTokenLifetimeSeconds ?? DEFAULT_METADATA_TOKEN_LIFETIME_S
    this.refreshMarginMs =
      (scenario.metadataTokenRefreshMarginSeconds ?? DEFAULT_METADATA_REFRESH_MARGIN_S) * 1000
    const projectId =
      scenario.metadataProject ??
      iam.serviceAccountProject(this.email) ??
      scenario.projects[0]?.projectId ??
      ''
    const project = iam.findProject(projectId)
    this.project = { id: project?.projectId ?? projectId, number: project?.projectNumber ?? '' }
  }

  /** The token endpoint's answer: the cached token and what is left of it, or a new one. */
  token(): MetadataTokenAnswer {
    const now = this.now()
    if (!this.cached || needsNewToken(this.cached.expiresAt, now, this.refreshMarginMs)) {
      this.cached = this.tokens.issueAccessToken(`serviceAccount:${this.email}`, this.lifetimeS)
    }
    return {
      access_token: this.cached.token,
      expires_in: Math.max(0, Math.floor((this.cached.expiresAt - now) / 1000)),
      token_type: 'Bearer'
    }
  }

  routes(): Route[] {
    const account = `${METADATA_ROOT}/instance/service-accounts/(?<account>[^/]+)`
    const isOurs = (req: EmulatorRequest) => {
      const name = (req.params.account ?? '').toLowerCase()
      return name === 'default' || name === this.email
    }
    const get = (
      name: string,
      pattern: string,
      answer: (req: EmulatorRequest) => EmulatorResponse
    ): Route => ({
      method: 'GET',
      pattern: new RegExp(`^${pattern}$`),
      name: `metadata.${name}`,
      handler: req => {
        if (req.headers['metadata-flavor'] !== 'Google') return missingFlavor(req.url.pathname)
        return answer(req)
      }
    })
    const forAccount = (answer: () => EmulatorResponse) => (req: EmulatorRequest) =>
      isOurs(req) ? answer() : notFound(req.url.pathname)
    return [
      get('root', `${METADATA_ROOT}/?`, () => text('instance/\nproject/\nuniverse/\n')),
      // gcp-metadata's availability probe (isAvailable) reads this directory.
      get('instance', `${METADATA_ROOT}/instance/?`, () => text('service-accounts/\n')),
      get('serviceAccounts', `${METADATA_ROOT}/instance/service-accounts/?`, () =>
        text(`default/\n${this.email}/\n`)
      ),
      get(
        'serviceAccount',
        `${account}/?`,
        forAccount(() => text('aliases\nemail\nscopes\ntoken\n'))
      ),
      get(
        'aliases',
        `${account}/aliases`,
        forAccount(() => text('default\n'))
      ),
      get(
        'email',
        `${account}/email`,
        forAccount(() => text(this.email))
      ),
      get(
        'scopes',
        `${account}/scopes`,
        forAccount(() => text(`${CLOUD_PLATFORM}\n`))
      ),
      // ASSUMPTION: a `scopes` query (google-auth-library sends the client's scopes) does not change
      // the token here: emulated tokens carry no scopes.
      get(
        'token',
        `${account}/token`,
        forAccount(() => ({
          body: this.token(),
          headers: { ...SERVER_HEADERS, 'Content-Type': 'application/json' }
        }))
      ),
      get('project', `${METADATA_ROOT}/project/?`, () => text('numeric-project-id\nproject-id\n')),
      get('projectId', `${METADATA_ROOT}/project/project-id`, () => text(this.project.id)),
      get('numericProjectId', `${METADATA_ROOT}/project/numeric-project-id`, () =>
        text(this.project.number)
      ),
      get('universeDomain', `${METADATA_ROOT}/universe/universe-domain`, () =>
        text('googleapis.com')
      ),
      get('unknown', `${METADATA_ROOT}(?:/.*)?`, req => notFound(req.url.pathname))
    ]
  }
}

/** The metadata server of a scenario that declares the VM's service account; none otherwise. */
export function metadataServer(
  scenario: Scenario,
  iam: IamModel,
  tokens: TokenService,
  now: () => number
): MetadataServer | undefined {
  const { metadataServiceAccount } = scenario
  if (!metadataServiceAccount) return undefined
  return new MetadataServer({ ...scenario, metadataServiceAccount }, iam, tokens, now)
}
