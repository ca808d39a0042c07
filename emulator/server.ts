/**
 * The emulator's HTTP front end: one node:http server on loopback that answers for every Google API the
 * action calls (selected by gcloud's CLOUDSDK_API_ENDPOINT_OVERRIDES_<API> convention) and for GitHub's
 * OIDC token endpoint. It does what Google's front end does before a handler runs (credentials,
 * routing, 404s, error bodies) plus what tests need around it: latency, faults, a request log.
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ArtifactRegistryModel } from './artifactregistry.js'
import { CloudRunModel } from './cloudrun.js'
import {
  GoogleApiError,
  RPC_STATUS,
  type EmulatorContext,
  type EmulatorOptions,
  type EmulatorRequest,
  type EmulatorResponse,
  type FaultRule,
  type Policy,
  type PullResult,
  type Route,
  type Scenario
} from './core.js'
import { IamModel, serviceAccountPolicyRoutes } from './iam.js'
import { LoggingModel } from './logging.js'
import { metadataServer } from './metadata.js'
import { resourceManagerRoutes } from './resourcemanager.js'
import { roleRoutes } from './roles.js'
import { getScenario } from './scenarios/index.js'
import { TEST_CLOCK_VARIABLE } from '../src/clock.js'
import { GITHUB_OIDC_PATH, TokenService } from './tokens.js'
import { troubleshooterRoutes } from './troubleshooter.js'

/** The APIs whose root the emulator serves, by gcloud's override variable suffix. */
export const EMULATED_APIS = [
  'RUN',
  'ARTIFACTREGISTRY',
  'CLOUDRESOURCEMANAGER',
  'IAM',
  'IAMCREDENTIALS',
  'STS',
  'POLICYTROUBLESHOOTER',
  'LOGGING'
] as const

export interface RequestLogEntry {
  /** The route's name (`run.services.get`), or `unknown` for a path no route serves. */
  readonly name: string
  readonly method: string
  /** The raw path, without the query. */
  readonly path: string
  /** The raw query, without the `?`, when there is one (`updateMask=traffic`). */
  readonly query?: string
  readonly status: number
  readonly principal: string | undefined
  /** The bearer token as sent, if any (the secret-scan tests check which token went where). */
  readonly token: string | undefined
  readonly mutating: boolean
  /** A write's request body as the emulator parsed it (tests check what a write carried). */
  readonly body?: unknown
  /** performance.now() when the request arrived and when its response was written. */
  readonly startedAt: number
  readonly endedAt: number
}

export interface ExternalAccountOptions {
  /** Impersonate this service account (email) after the STS exchange. */
  readonly serviceAccount?: string
  /** Workload identity provider resource name; the scenario's first by default. */
  readonly provider?: string
}

export interface Emulator {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string
  /** Endpoint overrides and GitHub's ACTIONS_ID_TOKEN_REQUEST_* variables pointing at the emulator. */
  readonly env: Readonly<Record<string, string>>
  /**
   * GCE_METADATA_HOST, pointing google-auth-library at the emulated metadata server (emulator/metadata.ts).
   * Empty unless the scenario declares `metadataServiceAccount`; `env` then carries it too.
   */
  readonly metadataEnv: Readonly<Record<string, string>>
  readonly scenario: Scenario
  /** Every request answered, oldest first (a live view). */
  readonly requestLog: readonly RequestLogEntry[]
  clearLog(): void
  readonly options: EmulatorOptions
  setOptions(partial: Partial<EmulatorOptions>): void
  addFault(rule: FaultRule): void
  clearFaults(): void
  /** The current policy of a resource, version 3 form, as getIamPolicy would show it (a deep copy). */
  getPolicy(resource: string): Policy
  /** A read-modify-write of a resource's policy by another writer (races, out-of-band grants). */
  setPolicyAs(member: string, resource: string, mutate: (policy: Policy) => Policy): Policy
  /** A fresh access token standing for `member` (`serviceAccount:...`, `user:...`, `principal://...`). */
  issueAccessToken(member: string): string
  /** Writes the external_account file google-github-actions/auth leaves behind; returns its path. */
  writeExternalAccountFile(dir: string, options?: ExternalAccountOptions): string
  /** Every token issued so far: GitHub request and OIDC tokens, federated and access tokens. */
  tokens(): string[]
  readonly cloudRun: CloudRunModel
  /** Cloud Logging: what entries.list answers; `logging.write([...])` adds entries (emulator/logging.ts). */
  readonly logging: LoggingModel
  /** Pull an image as `member` would (what Cloud Run's service agent does). */
  pullImage(member: string, imageUri: string): PullResult
  /** The emulator's clock (ms): the wall clock (sped up by timeScale) plus every advanceClock. */
  now(): number
  /** Wall milliseconds that `ms` of the emulator's clock take. */
  toWall(ms: number): number
  /** Moves the emulator's clock forward: expires tokens, propagates bindings, finishes operations. */
  advanceClock(ms: number): void
  /**
   * Holds the answer to the next request of a route (its name, or a prefix ending in `*`): the request
   * is handled as usual — its change happens — and `arrived` resolves; the answer is written only on
   * `release()`. For a runner that cancels the action while, say, a setIamPolicy is in flight.
   */
  holdResponse(route: string): ResponseHold
  close(): Promise<void>
}

export interface ResponseHold {
  /** Resolves once the held request has been handled (before its answer is written). */
  readonly arrived: Promise<void>
  /** Writes the held answer (or lets the next request through untouched if none came yet). */
  release(): void
}

const DEFAULT_OPTIONS: EmulatorOptions = {
  operationDelayMs: 0,
  propagationDelayMs: 0,
  latencyMs: 0,
  faults: [],
  waitReturnsAtOnce: false,
  logIngestionDelayMs: 0
}

/** Google's canonical message for each status, as its front end writes them on a generic failure. */
const STATUS_BODIES: Readonly<Record<number, readonly [string, string]>> = {
  400: ['INVALID_ARGUMENT', 'Request contains an invalid argument.'],
  401: ['UNAUTHENTICATED', 'Request had invalid authentication credentials.'],
  403: ['PERMISSION_DENIED', 'The caller does not have permission'],
  404: ['NOT_FOUND', 'Requested entity was not found.'],
  409: ['ABORTED', 'The operation was aborted.'],
  429: ['RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'],
  500: ['INTERNAL', 'Internal error encountered.'],
  501: ['UNIMPLEMENTED', 'Operation is not implemented, or supported, or enabled.'],
  502: ['UNAVAILABLE', 'Bad Gateway'],
  503: ['UNAVAILABLE', 'The service is currently unavailable.'],
  504: ['DEADLINE_EXCEEDED', 'The request timed out. Please try again.']
}

function statusBody(status: number, message?: string) {
  const [name, generic] = STATUS_BODIES[status] ?? ['UNKNOWN', 'Unknown error.']
  return { error: { code: status, message: message ?? generic, status: name } }
}

/** Routes that authenticate by other means than a Google access token. */
function ownAuthentication(route: Route): boolean {
  return (
    route.name.startsWith('github.') ||
    route.name.startsWith('sts.') ||
    route.name.startsWith('metadata.')
  )
}

const INVALID_CREDENTIALS =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other ' +
  'valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'

/** Google's 401 for a bad bearer token, with the ErrorInfo its front end adds. */
function invalidCredentials(
  reason: 'ACCESS_TOKEN_EXPIRED' | 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
  route: Route
) {
  return new GoogleApiError('UNAUTHENTICATED', INVALID_CREDENTIALS, [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason,
      domain: 'googleapis.com',
      metadata: { service: `${route.name.split('.')[0] ?? ''}.googleapis.com` }
    }
  ])
}

function bearer(header: string | undefined): string | undefined {
  return header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]
}

function parseBody(req: IncomingMessage, text: string): unknown {
  if (!text.trim()) return undefined
  if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text))
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    // Source: the ESF front end's wording for a body that is not JSON.
    throw new GoogleApiError(
      'INVALID_ARGUMENT',
      `Invalid JSON payload received. Unexpected token.\n${text.slice(0, 40)}\n^`
    )
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((done, failed) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')))
    req.on('error', failed)
  })
}

const sleep = (ms: number) => new Promise<void>(done => setTimeout(done, ms))

interface ActiveFault {
  readonly rule: FaultRule
  remaining: number | undefined
}

function faultMatches(rule: FaultRule, name: string): boolean {
  return rule.route.endsWith('*') ? name.startsWith(rule.route.slice(0, -1)) : rule.route === name
}

interface PendingHold {
  readonly route: string
  readonly arrive: () => void
  readonly released: Promise<void>
}

/** Emulator options, plus the port to listen on (0, the default, picks a free one). */
export type StartOptions = Partial<EmulatorOptions> & {
  readonly port?: number
  /**
   * Run the emulator's clock, and the action's through `env`, 1/timeScale times as fast as the wall
   * clock (0.01: an operation of 10 s takes 100 ms). Delays, lifetimes and waits keep their values in
   * the clock's time; only the wall time shrinks. 1 (the default) is the wall clock. See src/clock.ts.
   */
  readonly timeScale?: number
  /** Routes mounted after the built-in ones (tests of the front end itself). */
  readonly routes?: readonly Route[]
}

/** Starts an emulator for a scenario (or the name of one in emulator/scenarios). */
export async function startEmulator(
  scenarioOrName: Scenario | string,
  options: StartOptions = {}
): Promise<Emulator> {
  const scenario =
    typeof scenarioOrName === 'string'
      ? getScenario(scenarioOrName)
      : structuredClone(scenarioOrName)
  const { port: requestedPort = 0, routes: extraRoutes = [], timeScale = 1, ...given } = options
  if (!(timeScale > 0 && timeScale <= 1))
    throw new Error(`timeScale must be in (0, 1], got ${timeScale}`)
  const { faults: initialFaults = [], ...initialSettings } = {
    ...DEFAULT_OPTIONS,
    ...scenario.options,
    ...given
  }
  let settings: Omit<EmulatorOptions, 'faults'> = initialSettings
  let faults: ActiveFault[] = []
  const setFaults = (rules: readonly FaultRule[]) => {
    faults = rules.map(rule => ({ rule, remaining: rule.times }))
  }
  setFaults(initialFaults)
  const currentOptions = (): EmulatorOptions => ({
    ...settings,
    faults: faults.map(({ rule, remaining }) => ({ ...rule, times: remaining }))
  })

  let clockOffset = 0
  const epoch = Date.now()
  const now = () => epoch + (Date.now() - epoch) / timeScale + clockOffset
  const toWall = (ms: number) => ms * timeScale

  const iam = new IamModel(scenario, { now, propagationDelayMs: () => settings.propagationDelayMs })
  const tokens = new TokenService(scenario, iam, now)
  const metadata = metadataServer(scenario, iam, tokens, now)
  const artifactRegistry = new ArtifactRegistryModel(scenario, iam)
  const ctx: EmulatorContext = {
    get options() {
      return currentOptions()
    },
    now,
    toWall,
    authorize: (req, permission, resource) => iam.authorize(req.principal, permission, resource),
    hasPermission: (member, permission, resource) =>
      iam.hasPermission(member, permission, resource),
    project: idOrNumber => iam.project(idOrNumber),
    pullImage: (member, imageUri) => artifactRegistry.pullImage(member, imageUri)
  }
  const logging = new LoggingModel(ctx, scenario)
  const cloudRun = new CloudRunModel(ctx, scenario, logging)
  const routes: readonly Route[] = [
    ...tokens.routes(),
    ...(metadata?.routes() ?? []),
    ...resourceManagerRoutes(iam),
    ...artifactRegistry.routes(),
    ...roleRoutes(iam, iam.roles),
    ...serviceAccountPolicyRoutes(iam),
    ...troubleshooterRoutes(iam),
    ...cloudRun.routes(),
    ...logging.routes(),
    ...extraRoutes
  ]

  const requestLog: RequestLogEntry[] = []

  /** A fault for this route, if one is armed; counts it down. */
  const takeFault = (name: string, path: string): FaultRule | undefined => {
    const active = faults.find(
      f =>
        faultMatches(f.rule, name) &&
        (f.rule.pathIncludes === undefined || path.includes(f.rule.pathIncludes)) &&
        (f.remaining ?? 1) > 0
    )
    if (!active) return undefined
    if (active.remaining !== undefined) active.remaining--
    faults = faults.filter(f => f.remaining === undefined || f.remaining > 0)
    return active.rule
  }

  let holds: PendingHold[] = []
  /** The oldest hold waiting for this route, if any; it is used up. */
  const takeHold = (name: string): PendingHold | undefined => {
    const hold = holds.find(h => faultMatches({ route: h.route, kind: 'status' }, name))
    if (hold) holds = holds.filter(h => h !== hold)
    return hold
  }

  const findRoute = (method: string, path: string) => {
    for (const route of routes) {
      if (route.method !== method) continue
      const match = route.pattern.exec(path)
      if (match) return { route, groups: match.groups ?? {} }
    }
    return undefined
  }

  const resolvePrincipal = (
    route: Route,
    token: string | undefined,
    header: string | undefined
  ) => {
    if (ownAuthentication(route) || header === undefined) return undefined
    if (token === undefined) throw invalidCredentials('ACCESS_TOKEN_TYPE_UNSUPPORTED', route)
    const lookup = tokens.resolve(token)
    if (lookup.state === 'valid') return lookup.member
    throw invalidCredentials(
      lookup.state === 'expired' ? 'ACCESS_TOKEN_EXPIRED' : 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
      route
    )
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const startedAt = performance.now()
    const method = req.method ?? 'GET'
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const text = await readBody(req)
    if (url.pathname.startsWith('/__emulator/')) {
      return admin(method, url, text, res)
    }
    const match = findRoute(method, url.pathname)
    const header = req.headers.authorization
    const token = bearer(header)
    let principal: string | undefined
    let body: unknown
    let drop = false
    let outcome: EmulatorResponse & { status: number }
    try {
      if (settings.latencyMs > 0) await sleep(settings.latencyMs)
      if (!match) {
        outcome = {
          status: 404,
          body: new GoogleApiError('NOT_FOUND', 'Method not found.').toBody()
        }
      } else {
        const fault = takeFault(match.route.name, url.pathname)
        fault?.sideEffect?.()
        if (fault?.kind === 'status') {
          const status = fault.status ?? 503
          outcome = {
            status,
            body: statusBody(status, fault.message),
            headers:
              fault.retryAfterSeconds !== undefined
                ? { 'Retry-After': String(fault.retryAfterSeconds) }
                : {}
          }
        } else {
          // A dropped response is cut off after the handler ran: the change may have happened, and
          // the client cannot tell, which is what a connection reset mid-response means.
          drop = fault?.kind === 'drop'
          principal = resolvePrincipal(match.route, token, header)
          const params: Record<string, string> = {}
          for (const [name, value] of Object.entries(match.groups)) {
            if (value === undefined) continue
            try {
              params[name] = decodeURIComponent(value)
            } catch {
              throw new GoogleApiError(
                'INVALID_ARGUMENT',
                `Invalid percent-encoding in the URL: ${value}`
              )
            }
          }
          body = parseBody(req, text)
          const request: EmulatorRequest = {
            method,
            url,
            params,
            body,
            headers: req.headers,
            token,
            principal
          }
          const response = await match.route.handler(request)
          outcome = { ...response, status: response.status ?? 200 }
        }
      }
    } catch (error) {
      if (error instanceof GoogleApiError) {
        const headers: Record<string, string> =
          error.status === 'UNAUTHENTICATED'
            ? {
                'WWW-Authenticate':
                  'Bearer realm="https://accounts.google.com/", error="invalid_token"'
              }
            : {}
        outcome = { status: error.code, body: error.toBody(), headers }
      } else {
        console.error(`emulator: ${method} ${url.pathname} failed:`, error)
        outcome = { status: RPC_STATUS.INTERNAL, body: statusBody(RPC_STATUS.INTERNAL) }
      }
    }
    const hold = match ? takeHold(match.route.name) : undefined
    if (hold) {
      hold.arrive()
      await hold.released
    }
    // A string body with a content type other than JSON is sent as it is (the metadata server's text).
    const raw =
      typeof outcome.body === 'string' &&
      !/json/i.test(outcome.headers?.['Content-Type'] ?? 'application/json')
    const payload =
      outcome.body === undefined ? '' : raw ? String(outcome.body) : JSON.stringify(outcome.body)
    res.writeHead(outcome.status, {
      'Content-Type': 'application/json; charset=UTF-8',
      'Content-Length': Buffer.byteLength(payload),
      ...outcome.headers
    })
    requestLog.push({
      name: match?.route.name ?? 'unknown',
      method,
      path: url.pathname,
      ...(url.search ? { query: url.search.slice(1) } : {}),
      status: outcome.status,
      principal,
      token,
      mutating: match?.route.mutating ?? false,
      ...(match?.route.mutating && body !== undefined ? { body } : {}),
      startedAt,
      endedAt: performance.now()
    })
    if (drop) {
      // Status line, headers and part of the body, then a reset: the client sees a truncated body.
      res.flushHeaders()
      res.write(payload.slice(0, Math.max(1, Math.floor(payload.length / 2))), () => res.destroy())
      return
    }
    res.end(payload)
  }

  const admin = (method: string, url: URL, text: string, res: ServerResponse) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8' })
      res.end(JSON.stringify(body))
    }
    try {
      const body = text.trim() ? (JSON.parse(text) as unknown) : undefined
      const path = url.pathname.slice('/__emulator'.length)
      if (method === 'GET' && path === '/log') return reply(200, requestLog)
      if (method === 'DELETE' && path === '/log') {
        emulator.clearLog()
        return reply(200, {})
      }
      if (method === 'POST' && path === '/faults') {
        for (const rule of Array.isArray(body) ? body : [body]) emulator.addFault(rule as FaultRule)
        return reply(200, currentOptions().faults)
      }
      if (method === 'DELETE' && path === '/faults') {
        emulator.clearFaults()
        return reply(200, [])
      }
      if (method === 'POST' && path === '/options') {
        emulator.setOptions((body ?? {}) as Partial<EmulatorOptions>)
        return reply(200, currentOptions())
      }
      if (method === 'GET' && path === '/policy') {
        return reply(200, emulator.getPolicy(url.searchParams.get('resource') ?? ''))
      }
      return reply(404, statusBody(404))
    } catch (error) {
      return reply(400, {
        error: { code: 400, message: String(error), status: 'INVALID_ARGUMENT' }
      })
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('emulator: request failed:', error)
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  await new Promise<void>((done, failed) => {
    server.once('error', failed)
    server.listen(requestedPort, '127.0.0.1', () => done())
  })
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}/`
  const oidcUrl = `${url}${GITHUB_OIDC_PATH.slice(1)}?api-version=2.0`
  // Only a scenario with a VM service account has a metadata server to find: anywhere else the
  // variable would send google-auth-library looking for credentials where there are none.
  const metadataEnv: Record<string, string> = metadata
    ? { GCE_METADATA_HOST: `127.0.0.1:${port}` }
    : {}
  const env: Record<string, string> = {
    ...Object.fromEntries(
      EMULATED_APIS.map(api => [`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api}`, url])
    ),
    ACTIONS_ID_TOKEN_REQUEST_URL: oidcUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: tokens.requestToken,
    ...metadataEnv,
    // The action runs on the same clock (src/clock.ts).
    ...(timeScale === 1 ? {} : { [TEST_CLOCK_VARIABLE]: `${timeScale}@${epoch}` })
  }

  /** Every hold's release, so that close() can let held answers go. */
  const releases = new Set<() => void>()
  const emulator: Emulator = {
    url,
    env,
    metadataEnv,
    scenario,
    requestLog,
    clearLog: () => {
      requestLog.length = 0
    },
    get options() {
      return currentOptions()
    },
    setOptions: partial => {
      const { faults: rules, ...rest } = partial
      settings = { ...settings, ...rest }
      if (rules) setFaults(rules)
    },
    addFault: rule => {
      faults.push({ rule, remaining: rule.times })
    },
    clearFaults: () => setFaults([]),
    getPolicy: resource => iam.currentPolicy(resource),
    setPolicyAs: (member, resource, mutate) => iam.readModifyWrite(resource, mutate, member),
    issueAccessToken: member => tokens.issueAccessToken(member).token,
    writeExternalAccountFile: (dir, opts = {}) => {
      const provider = opts.provider ?? scenario.workloadIdentityProviders?.[0]
      if (!provider) throw new Error(`Scenario ${scenario.name} has no workload identity provider`)
      const file: Record<string, unknown> = {
        type: 'external_account',
        audience: `//iam.googleapis.com/${provider}`,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: `${url}v1/token`,
        credential_source: {
          url: `${oidcUrl}&audience=https://iam.googleapis.com/${provider}`,
          headers: { Authorization: `Bearer ${tokens.requestToken}` },
          format: { type: 'json', subject_token_field_name: 'value' }
        }
      }
      if (opts.serviceAccount) {
        file.service_account_impersonation_url = `${url}v1/projects/-/serviceAccounts/${opts.serviceAccount}:generateAccessToken`
      }
      // google-github-actions/auth names its file gha-creds-<random>.json.
      const path = join(dir, `gha-creds-${randomBytes(8).toString('hex')}.json`)
      writeFileSync(path, JSON.stringify(file, null, 2), { mode: 0o600 })
      return path
    },
    tokens: () => tokens.all(),
    cloudRun,
    logging,
    pullImage: (member, imageUri) => artifactRegistry.pullImage(member, imageUri),
    now,
    toWall,
    advanceClock: ms => {
      clockOffset += ms
    },
    holdResponse: route => {
      let arrive = () => {}
      let release = () => {}
      const arrived = new Promise<void>(done => (arrive = done))
      const released = new Promise<void>(done => (release = done))
      const pending: PendingHold = { route, arrive, released }
      holds.push(pending)
      const releaseHold = () => {
        // Released before any request came: the hold is withdrawn.
        holds = holds.filter(h => h !== pending)
        releases.delete(releaseHold)
        release()
      }
      releases.add(releaseHold)
      return { arrived, release: releaseHold }
    },
    close: () =>
      new Promise<void>((done, failed) => {
        for (const release of [...releases]) release()
        server.close(error => (error ? failed(error) : done()))
        server.closeAllConnections()
      })
  }
  return emulator
}
