/**
 * The emulator's shared vocabulary: Google's error shape, the request every handler sees, the route table
 * entry, and the context handlers use to reach state and the IAM model. Handlers stay thin; the models
 * (iam.ts, cloudrun.ts) hold the behaviour.
 */
import type { iam_v1 } from 'googleapis/build/src/apis/iam/v1.js'

export type Policy = iam_v1.Schema$Policy
export type Binding = iam_v1.Schema$Binding
export type Role = iam_v1.Schema$Role

/** Google's canonical error codes (google.rpc.Code) with the HTTP status each maps to. */
export const RPC_STATUS = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504
} as const
export type RpcStatus = keyof typeof RPC_STATUS

/** Rendered as Google's body: `{"error":{"code":403,"message":"...","status":"PERMISSION_DENIED"}}`. */
export class GoogleApiError extends Error {
  readonly code: number
  constructor(
    readonly status: RpcStatus,
    message: string,
    readonly details: unknown[] = []
  ) {
    super(message)
    this.code = RPC_STATUS[status]
  }

  toBody(): { error: { code: number; message: string; status: string; details?: unknown[] } } {
    const error = { code: this.code, message: this.message, status: this.status }
    return { error: this.details.length ? { ...error, details: this.details } : error }
  }
}

/** The request as every handler sees it. */
export interface EmulatorRequest {
  readonly method: string
  readonly url: URL
  /** Path parameters captured by the route's named groups, percent-decoded once. */
  readonly params: Readonly<Record<string, string>>
  /** Parsed JSON body, or the form fields of a form-encoded body, or undefined. */
  readonly body: unknown
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** The bearer token as sent, if any. */
  readonly token: string | undefined
  /** The IAM member the token stands for (`serviceAccount:x@p.iam.gserviceaccount.com`, `principal://...`). */
  readonly principal: string | undefined
}

export interface EmulatorResponse {
  readonly status?: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  /** Matched against the raw (still percent-encoded) path; named groups become params. */
  readonly pattern: RegExp
  /** A stable name for logs, fault injection and call counting, e.g. `run.services.get`. */
  readonly name: string
  /** Calls that change state; the harness counts them to prove bad input writes nothing. */
  readonly mutating?: boolean
  readonly handler: (req: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>
}

/** A fault injected on every route whose name matches `route` (exact, or a prefix ending in `*`). */
export interface FaultRule {
  readonly route: string
  /** Only requests whose path contains this (e.g. `/locations/europe-west1/`): a fault in one region. */
  readonly pathIncludes?: string
  /** `status`: answer with `status` (and Retry-After when given); `drop`: destroy the socket mid-response. */
  readonly kind: 'status' | 'drop'
  readonly status?: number
  readonly retryAfterSeconds?: number
  /**
   * The error's message, in place of Google's generic one for the status: text an API could echo back
   * (a resource name, a user's input), to test how the action renders it.
   */
  readonly message?: string
  /** How many matching requests fail before the route answers normally again; undefined = forever. */
  readonly times?: number
  /**
   * Runs when the fault answers, before the client sees the answer: another writer acting at that very
   * moment (a Console edit while the action's request failed). In-process tests only; not serialisable.
   */
  readonly sideEffect?: () => void
}

export interface EmulatorOptions {
  /** How long a long-running operation (Cloud Run deploys, job executions) stays `done: false`. */
  readonly operationDelayMs: number
  /** How long a new IAM binding takes to count in access checks (getIamPolicy shows it at once). */
  readonly propagationDelayMs: number
  /** Added to every request before it is answered. */
  readonly latencyMs: number
  readonly faults: readonly FaultRule[]
  /**
   * Make `operations.wait` answer at once with the operation's current state, done or not, as the
   * long-running-operation contract allows ("It may return the latest state before the specified
   * timeout (including immediately)", google.longrunning.Operations.WaitOperation).
   */
  readonly waitReturnsAtOnce: boolean
  /** How long a written log entry takes to become visible to Cloud Logging's entries.list. */
  readonly logIngestionDelayMs: number
}

/** What Artifact Registry answers when `member` pulls an image (the Docker Registry API's manifest GET). */
export type PullResult =
  | { readonly ok: true; readonly digest: string }
  | {
      readonly ok: false
      /** `denied`: no downloadArtifacts; `not-found`: no such repository, image or tag. */
      readonly reason: 'denied' | 'not-found'
      /** The registry's own body, e.g. `{"errors":[{"code":"DENIED","message":"Permission ..."}]}`. */
      readonly registryBody: string
      /** The manifest URL that was requested. */
      readonly manifestUrl: string
      /** Project ID of the image's repository, when the reference names one. */
      readonly imageProject: string | undefined
    }

export interface ProjectInfo {
  readonly projectId: string
  readonly projectNumber: string
}

/** What a model (Cloud Run, Artifact Registry, ...) may use of the emulator around it. */
export interface EmulatorContext {
  readonly options: EmulatorOptions
  /** Milliseconds; the emulator's own clock so that delays are testable. */
  now(): number
  /** Wall milliseconds that `ms` of the emulator's clock take (for waits that hold a request open). */
  toWall(ms: number): number
  /**
   * Throws UNAUTHENTICATED without a principal and PERMISSION_DENIED, in Google's wording, when the
   * request's principal does not hold `permission` on `resource` (a relative name such as
   * `projects/P/locations/L/services/S`; policies are inherited from project, folders, organisation).
   */
  authorize(req: EmulatorRequest, permission: string, resource: string): void
  /** Whether `member` holds `permission` on `resource` by the bindings that have propagated by now. */
  hasPermission(member: string, permission: string, resource: string): boolean
  /** A project by ID or number; throws NOT_FOUND when the emulator has none. */
  project(idOrNumber: string): ProjectInfo
  /** Pull `imageUri` as `member`, as Cloud Run's service agent does when a revision starts. */
  pullImage(member: string, imageUri: string): PullResult
}

/**
 * A scenario: the world the emulator starts with. Data only; see emulator/scenarios/.
 * Policies here count at once (no propagation delay): they were set long ago.
 */
export interface Scenario {
  readonly name: string
  readonly description: string
  readonly organizations?: readonly { readonly id: string; readonly policy?: Policy }[]
  /** `parent`: `organizations/ID` or `folders/ID`. */
  readonly folders?: readonly {
    readonly id: string
    readonly parent: string
    readonly policy?: Policy
  }[]
  readonly projects: readonly {
    readonly projectId: string
    readonly projectNumber: string
    readonly parent?: string
    readonly policy?: Policy
  }[]
  /** Service accounts; their project is taken from the email. */
  readonly serviceAccounts?: readonly { readonly email: string; readonly policy?: Policy }[]
  readonly repositories?: readonly {
    /** `projects/P/locations/L/repositories/R` */
    readonly name: string
    readonly mode?: 'STANDARD_REPOSITORY' | 'VIRTUAL_REPOSITORY' | 'REMOTE_REPOSITORY'
    /** For virtual repositories: the upstream repositories' names, highest priority first. */
    readonly upstreams?: readonly string[]
    readonly policy?: Policy
    /**
     * Images by path inside the repository (`myjob`, `team/api`), each with its tags → `sha256:...`.
     * For a remote repository: what it has cached so far.
     */
    readonly images?: Readonly<Record<string, Readonly<Record<string, string>>>>
    /** For remote repositories: the upstream as repositories.get shows it; Docker Hub by default. */
    readonly remoteRepositoryConfig?: import('googleapis/build/src/apis/artifactregistry/v1.js').artifactregistry_v1.Schema$RemoteRepositoryConfig
    /**
     * For remote repositories: what the upstream registry holds (image path → tag → digest), fetched
     * and cached on the first pull that asks for it.
     */
    readonly upstreamImages?: Readonly<Record<string, Readonly<Record<string, string>>>>
  }[]
  /** Custom roles: `projects/P/roles/X` or `organizations/O/roles/X`. */
  readonly customRoles?: readonly Role[]
  /** Workload identity providers the STS endpoint accepts (full provider resource names). */
  readonly workloadIdentityProviders?: readonly string[]
  /** Lifetime of each federated token STS issues, on the emulator's clock; 3600 by default. */
  readonly stsTokenLifetimeSeconds?: number
  /** Claims of the OIDC token the emulator's GitHub endpoint issues. */
  readonly github?: { readonly repository: string; readonly ref: string; readonly actor?: string }
  /** Access tokens that exist from the start, e.g. for tests that skip federation: token → member. */
  readonly accessTokens?: Readonly<Record<string, string>>
  readonly services?: readonly import('googleapis/build/src/apis/run/v2.js').run_v2.Schema$GoogleCloudRunV2Service[]
  readonly jobs?: readonly import('googleapis/build/src/apis/run/v2.js').run_v2.Schema$GoogleCloudRunV2Job[]
  readonly workerPools?: readonly import('googleapis/build/src/apis/run/v2.js').run_v2.Schema$GoogleCloudRunV2WorkerPool[]
  /** Cloud Logging entries written long ago (visible at once); each needs its `logName`. */
  readonly logEntries?: readonly import('googleapis/build/src/apis/logging/v2.js').logging_v2.Schema$LogEntry[]
  readonly options?: Partial<EmulatorOptions>
  /**
   * The service account of the VM the runner is on (a self-hosted runner on Compute Engine or GKE): the
   * emulator then serves the metadata server's routes and points GCE_METADATA_HOST at them.
   */
  readonly metadataServiceAccount?: string
  /** The project the metadata server reports; the service account's project by default. */
  readonly metadataProject?: string
  /** Lifetime of each token the metadata server mints, on the emulator's clock; 300 by default. */
  readonly metadataTokenLifetimeSeconds?: number
  /** The metadata server hands out its cached token until less than this is left; 60 by default. */
  readonly metadataTokenRefreshMarginSeconds?: number
}
