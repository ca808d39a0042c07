/**
 * The Knative dialect of the `metadata` input: a Cloud Run Admin API v1 Service
 * (`apiVersion: serving.knative.dev/v1`, `kind: Service`) or Job (`apiVersion: run.googleapis.com/v1`,
 * `kind: Job`), as `gcloud run services|jobs describe NAME --format export` prints it and as
 * google-github-actions/deploy-cloudrun's `metadata` input takes it, translated to the equivalent
 * Cloud Run Admin API v2 Service or Job. Pure.
 *
 * Sources, read for every mapping below (docs/knative.md has the whole table):
 * - the YAML reference, https://cloud.google.com/run/docs/reference/yaml/v1 (apiVersion, kind, the
 *   annotations a service and a job take, and where);
 * - the v1 REST reference, https://cloud.google.com/run/docs/reference/rest/v1/ObjectMeta (which
 *   annotation each resource type accepts) and the v1 field docs, read in gcloud 578.0.0's generated
 *   client (googlecloudsdk/generated_clients/apis/run/v1/run_v1_messages.py);
 * - the v2 REST reference, https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services
 *   and .../projects.locations.jobs, with googleapis 188's run_v2 types for field names and enums;
 * - gcloud 578.0.0: how it writes each annotation (command_lib/run/flags.py, config_changes.py,
 *   secrets_mapping.py), how it writes the same setting in v2 for worker pools
 *   (command_lib/run/v2/config_changes.py), its v1 and v2 volume forms side by side
 *   (command_lib/run/volumes.py), and what `--format export` removes (printers/export_printer.py).
 *
 * Anything the file holds that is neither mapped nor on the documented list of server-managed fields
 * is refused with its path as the file spells it: nothing is silently lost.
 */
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'

type Service = run_v2.Schema$GoogleCloudRunV2Service
type Job = run_v2.Schema$GoogleCloudRunV2Job
type RevisionTemplate = run_v2.Schema$GoogleCloudRunV2RevisionTemplate
type TaskTemplate = run_v2.Schema$GoogleCloudRunV2TaskTemplate
type Container = run_v2.Schema$GoogleCloudRunV2Container
type EnvVar = run_v2.Schema$GoogleCloudRunV2EnvVar
type Probe = run_v2.Schema$GoogleCloudRunV2Probe
type ResourceRequirements = run_v2.Schema$GoogleCloudRunV2ResourceRequirements
type Volume = run_v2.Schema$GoogleCloudRunV2Volume
type VolumeMount = run_v2.Schema$GoogleCloudRunV2VolumeMount
type VpcAccess = run_v2.Schema$GoogleCloudRunV2VpcAccess
type NetworkInterface = run_v2.Schema$GoogleCloudRunV2NetworkInterface
type TrafficTarget = run_v2.Schema$GoogleCloudRunV2TrafficTarget
type BinaryAuthorization = run_v2.Schema$GoogleCloudRunV2BinaryAuthorization
type ServiceScaling = run_v2.Schema$GoogleCloudRunV2ServiceScaling
type RevisionScaling = run_v2.Schema$GoogleCloudRunV2RevisionScaling

export type KnativeConversion =
  | {
      readonly resource: Record<string, unknown>
      readonly kind: 'service' | 'job'
      /** Paths, as the file spells them, that were accepted and deliberately not carried over. */
      readonly dropped: readonly string[]
    }
  | { readonly problem: { readonly path: string; readonly problem: string } }

/**
 * Where the converted resource will be deployed. v1 resolves a VPC connector's short name in the
 * service's own project and region; v2 takes only the full name, so a short one is completed from this.
 */
export interface KnativeContext {
  readonly project?: string
  readonly region?: string
}

/** A Knative manifest says what it is; a v2 resource has neither field. */
export function isKnativeDocument(document: Record<string, unknown>): boolean {
  return Object.hasOwn(document, 'apiVersion') || Object.hasOwn(document, 'kind')
}

/**
 * The v2 resource the document describes, with no output-only field, or the first problem found.
 * The apiVersion strings are the ones gcloud prints: `serving.knative.dev/v1` for services (its
 * api_lib/run/service.py API_CATEGORY, the YAML reference) and `run.googleapis.com/v1` for jobs
 * (api_lib/run/job.py API_CATEGORY).
 */
export function knativeToV2(
  document: Record<string, unknown>,
  context: KnativeContext = {}
): KnativeConversion {
  const dropped: string[] = []
  try {
    const root = new Fields(document, '', dropped)
    const apiVersion = root.string('apiVersion')
    const kind = root.string('kind')
    if (apiVersion === undefined) refuse('apiVersion', `is missing; expected ${EXPECTED_KINDS}`)
    const expected = KINDS.get(apiVersion)
    if (expected === undefined) refuse('apiVersion', `is not supported; expected ${EXPECTED_KINDS}`)
    if (kind !== expected.kind) {
      const got = kind === undefined ? 'is missing' : 'is not supported'
      refuse('kind', `${got}; with apiVersion ${apiVersion} expected kind ${expected.kind}`)
    }
    root.drop('status')
    const reader = new Reader(dropped, context)
    const resource = expected.converts === 'service' ? reader.service(root) : reader.job(root)
    root.done()
    return { resource: prune(resource), kind: expected.converts, dropped }
  } catch (thrown) {
    if (thrown instanceof Refusal)
      return { problem: { path: thrown.path, problem: thrown.problem } }
    throw thrown
  }
}

const KINDS: ReadonlyMap<string, { readonly kind: string; readonly converts: 'service' | 'job' }> =
  new Map([
    ['serving.knative.dev/v1', { kind: 'Service', converts: 'service' }],
    ['run.googleapis.com/v1', { kind: 'Job', converts: 'job' }]
  ])
const EXPECTED_KINDS =
  'serving.knative.dev/v1 with kind Service, or run.googleapis.com/v1 with kind Job (what gcloud run services|jobs describe --format export prints)'

const NOT_SUPPORTED =
  'is not supported: it has no Cloud Run Admin API v2 equivalent this conversion knows (see docs/knative.md)'

class Refusal extends Error {
  constructor(
    readonly path: string,
    readonly problem: string
  ) {
    super(`${path} ${problem}`)
  }
}

function refuse(path: string, problem: string): never {
  throw new Refusal(path, problem)
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const entryPath = (map: string, key: string) => `${map}[${JSON.stringify(key)}]`

/**
 * One object of the file. Its fields are handed out one by one; `done` then refuses whatever was
 * neither handed out nor dropped. A field set to null says nothing and is taken as absent.
 */
class Fields {
  readonly #read = new Set<string>()

  constructor(
    private readonly value: Record<string, unknown>,
    readonly path: string,
    private readonly dropped: string[]
  ) {}

  pathOf(key: string): string {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return entryPath(this.path, key)
    return this.path ? `${this.path}.${key}` : key
  }

  raw(key: string): unknown {
    this.#read.add(key)
    const value = Object.hasOwn(this.value, key) ? this.value[key] : undefined
    return value === null ? undefined : value
  }

  string(key: string): string | undefined {
    const value = this.raw(key)
    if (value === undefined || typeof value === 'string') return value
    refuse(this.pathOf(key), 'must be a string (quote it in the YAML)')
  }

  /** A whole number, as YAML writes it or as a string (JSON prints int64 fields as strings). */
  integer(key: string): number | undefined {
    const value = this.raw(key)
    return value === undefined ? undefined : integerOf(value, this.pathOf(key))
  }

  boolean(key: string): boolean | undefined {
    const value = this.raw(key)
    return value === undefined ? undefined : booleanOf(value, this.pathOf(key))
  }

  strings(key: string): string[] | undefined {
    const value = this.raw(key)
    if (value === undefined) return undefined
    if (!Array.isArray(value) || !value.every(item => typeof item === 'string')) {
      refuse(this.pathOf(key), 'must be a list of strings')
    }
    return value
  }

  object(key: string): Fields | undefined {
    const value = this.raw(key)
    if (value === undefined) return undefined
    if (!isRecord(value)) refuse(this.pathOf(key), 'must be an object')
    return new Fields(value, this.pathOf(key), this.dropped)
  }

  objects(key: string): Fields[] | undefined {
    const value = this.raw(key)
    if (value === undefined) return undefined
    if (!Array.isArray(value)) refuse(this.pathOf(key), 'must be a list')
    return value.map((item: unknown, index) => {
      const at = `${this.pathOf(key)}[${index}]`
      if (!isRecord(item)) refuse(at, 'must be an object')
      return new Fields(item, at, this.dropped)
    })
  }

  /** A map of strings (labels, annotations, limits); numbers and booleans are taken as their text. */
  entries(key: string): Entries | undefined {
    const value = this.raw(key)
    if (value === undefined) return undefined
    if (!isRecord(value)) refuse(this.pathOf(key), 'must be a map of strings')
    const map = new Map<string, string>()
    for (const [name, item] of Object.entries(value)) {
      if (item === null || item === undefined) continue
      if (typeof item === 'string') map.set(name, item)
      else if (typeof item === 'number' || typeof item === 'boolean') map.set(name, String(item))
      else refuse(entryPath(this.pathOf(key), name), 'must be a string')
    }
    return new Entries(map, this.pathOf(key))
  }

  /** Accepts the fields and records them as deliberately not carried over. */
  drop(...keys: string[]): void {
    for (const key of keys) {
      if (this.raw(key) !== undefined) this.dropped.push(this.pathOf(key))
    }
  }

  done(): void {
    for (const [key, value] of Object.entries(this.value)) {
      if (!this.#read.has(key) && value !== null && value !== undefined) {
        refuse(this.pathOf(key), NOT_SUPPORTED)
      }
    }
  }
}

/** A map of strings (labels, annotations) whose keys are taken out as they are understood. */
class Entries {
  constructor(
    private readonly map: Map<string, string>,
    readonly path: string
  ) {}

  pathOf(key: string): string {
    return entryPath(this.path, key)
  }

  take(key: string): string | undefined {
    const value = this.map.get(key)
    this.map.delete(key)
    return value
  }

  rest(): [string, string][] {
    return [...this.map]
  }
}

function integerOf(value: unknown, at: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  if (typeof value === 'string' && /^\d{1,15}$/.test(value.trim())) return Number(value.trim())
  refuse(at, 'must be a whole number')
}

function booleanOf(value: unknown, at: string): boolean {
  if (typeof value === 'boolean') return value
  // gcloud writes some of these with Python's str(bool): "True", "False" (config_changes.py).
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
    return value.trim().toLowerCase() === 'true'
  }
  refuse(at, 'must be true or false')
}

function fractionOf(value: string, at: string): number {
  const text = value.trim()
  if (!/^\d+(\.\d+)?$/.test(text)) refuse(at, 'must be a decimal number such as 0.6')
  return Number(text)
}

function choiceOf(value: string, at: string, choices: Readonly<Record<string, string>>): string {
  const key = value.trim().toLowerCase()
  if (Object.hasOwn(choices, key)) return choices[key] as string
  refuse(at, `must be one of ${Object.keys(choices).join(', ')}`)
}

function listOf(value: string): string[] {
  return value
    .split(',')
    .map(item => item.trim())
    .filter(item => item !== '')
}

function jsonOf(value: string, at: string, expected: string): unknown {
  try {
    return JSON.parse(value)
  } catch {
    refuse(at, `must be JSON: ${expected}`)
  }
}

function stringListJson(value: string, at: string): string[] {
  const parsed = jsonOf(value, at, 'a list of strings')
  if (!Array.isArray(parsed) || !parsed.every(item => typeof item === 'string')) {
    refuse(at, 'must be JSON: a list of strings')
  }
  return parsed
}

/** `{"container": value}` maps (container-dependencies, base-images). */
function containerMapJson<T>(
  value: string,
  at: string,
  expected: string,
  check: (item: unknown) => item is T
): Map<string, T> {
  const parsed = jsonOf(value, at, expected)
  if (!isRecord(parsed) || !Object.values(parsed).every(check))
    refuse(at, `must be JSON: ${expected}`)
  return new Map(Object.entries(parsed) as [string, T][])
}

const isString = (item: unknown): item is string => typeof item === 'string'
const isStringList = (item: unknown): item is string[] =>
  Array.isArray(item) && item.every(isString)

// Enum spellings: v1 values from gcloud's flags.py choices, v2 values from the v2 REST reference.
const INGRESS = {
  all: 'INGRESS_TRAFFIC_ALL',
  internal: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
  'internal-and-cloud-load-balancing': 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER'
}
const LAUNCH_STAGES = Object.fromEntries(
  ['UNIMPLEMENTED', 'PRELAUNCH', 'EARLY_ACCESS', 'ALPHA', 'BETA', 'GA', 'DEPRECATED'].map(stage => [
    stage.toLowerCase(),
    stage
  ])
)
const SCALING_MODES = { automatic: 'AUTOMATIC', manual: 'MANUAL' }
const EXECUTION_ENVIRONMENTS = {
  gen1: 'EXECUTION_ENVIRONMENT_GEN1',
  gen2: 'EXECUTION_ENVIRONMENT_GEN2'
}
// `all` is the deprecated spelling of `all-traffic` (flags.py AddEgressSettingsFlag).
const EGRESS = {
  'all-traffic': 'ALL_TRAFFIC',
  all: 'ALL_TRAFFIC',
  'private-ranges-only': 'PRIVATE_RANGES_ONLY'
}
// v2/config_changes.py CmekKeyChanges.
const KEY_REVOCATION_ACTIONS = { 'prevent-new': 'PREVENT_NEW', 'shut-down': 'SHUTDOWN' }

/**
 * What annotations set, gathered before the objects they apply to are built: some v1 revision-wide
 * annotations become per-container fields in v2.
 */
interface Settings {
  ingress?: string
  launchStage?: string
  launchStageAt?: string
  description?: string
  binaryAuthorization?: BinaryAuthorization
  customAudiences?: string[]
  invokerIamDisabled?: boolean
  defaultUriDisabled?: boolean
  iapEnabled?: boolean
  sshEnabled?: boolean
  serviceScaling?: ServiceScaling
  regions?: string[]
  scaling?: RevisionScaling
  cpuIdle?: boolean
  startupCpuBoost?: boolean
  sessionAffinity?: boolean
  healthCheckDisabled?: boolean
  cloudSqlInstances?: string[]
  executionEnvironment?: string
  executionEnvironmentAt?: string
  vpcConnector?: { readonly name: string; readonly at: string }
  vpcEgress?: string
  networkInterfaces?: NetworkInterface[]
  encryptionKey?: string
  encryptionKeyRevocationAction?: string
  encryptionKeyShutdownDuration?: string
  dependsOn?: { readonly map: Map<string, string[]>; readonly at: string }
  baseImages?: { readonly map: Map<string, string>; readonly at: string }
  secretAliases?: Map<string, string>
  gpuZonalRedundancyDisabled?: boolean
  mesh?: string
  workloadIdentity?: run_v2.Schema$GoogleCloudRunV2WorkloadIdentityConfig
}

/** Where an annotation sits: a service's or job's own metadata, or its template's. */
type Scope = 'service' | 'revision' | 'job' | 'execution'

interface AnnotationRule {
  readonly on: readonly Scope[]
  /** `drop`: accepted and not carried over (server- or client-managed). */
  readonly apply: 'drop' | ((value: string, at: string, settings: Settings) => void)
}

const ANY: readonly Scope[] = ['service', 'revision', 'job', 'execution']
const SERVICE: readonly Scope[] = ['service']
const REVISION: readonly Scope[] = ['revision']
const RESOURCE: readonly Scope[] = ['service', 'job']
const POD: readonly Scope[] = ['revision', 'execution']

const SCOPE_PLACES: Readonly<Record<Scope, string>> = {
  service: "a Service's metadata.annotations",
  revision: "a Service's spec.template.metadata.annotations",
  job: "a Job's metadata.annotations",
  execution: "a Job's spec.template.metadata.annotations"
}

const serviceScaling = (s: Settings): ServiceScaling => (s.serviceScaling ??= {})
const revisionScaling = (s: Settings): RevisionScaling => (s.scaling ??= {})

/**
 * Every annotation the conversion knows, with where v1 accepts it (ObjectMeta's list in the v1 REST
 * reference; the YAML reference for a job's execution template).
 */
const ANNOTATIONS: Readonly<Record<string, AnnotationRule>> = {
  // Set by the server or by the client that last wrote the resource; export keeps some of them
  // (it strips a few from the resource's own metadata only: printers/export_printer.py).
  'serving.knative.dev/creator': { on: ANY, apply: 'drop' },
  'serving.knative.dev/lastModifier': { on: ANY, apply: 'drop' },
  'run.googleapis.com/creator': { on: ANY, apply: 'drop' },
  'run.googleapis.com/lastModifier': { on: ANY, apply: 'drop' },
  'run.googleapis.com/creatorEmail': { on: ANY, apply: 'drop' },
  'run.googleapis.com/lastModifierEmail': { on: ANY, apply: 'drop' },
  'run.googleapis.com/client-name': { on: ANY, apply: 'drop' },
  'run.googleapis.com/client-version': { on: ANY, apply: 'drop' },
  'run.googleapis.com/operation-id': { on: ANY, apply: 'drop' },
  'client.knative.dev/user-image': { on: ANY, apply: 'drop' },
  'run.googleapis.com/ingress-status': { on: SERVICE, apply: 'drop' },
  'run.googleapis.com/urls': { on: SERVICE, apply: 'drop' },
  // v2's threatDetectionEnabled is output only.
  'run.googleapis.com/threat-detection': { on: SERVICE, apply: 'drop' },
  // How a function's image was built from source (api_lib/run/service.py). This action deploys an
  // image, so the build that made another image no longer describes the resource.
  'run.googleapis.com/build-base-image': { on: SERVICE, apply: 'drop' },
  'run.googleapis.com/build-enable-automatic-updates': { on: SERVICE, apply: 'drop' },
  'run.googleapis.com/build-environment-variables': { on: SERVICE, apply: 'drop' },
  'run.googleapis.com/build-function-target': { on: ['service', 'revision'], apply: 'drop' },
  'run.googleapis.com/build-id': { on: ['service', 'revision'], apply: 'drop' },
  'run.googleapis.com/build-image-uri': { on: SERVICE, apply: 'drop' },
  'run.googleapis.com/build-name': { on: SERVICE, apply: 'drop' },
  'run.googleapis.com/build-service-account': { on: SERVICE, apply: 'drop' },
  'run.googleapis.com/build-source-location': { on: ['service', 'revision'], apply: 'drop' },
  'run.googleapis.com/build-worker-pool': { on: SERVICE, apply: 'drop' },
  'run.googleapis.com/source-location': { on: SERVICE, apply: 'drop' },
  'run.googleapis.com/function-target': { on: SERVICE, apply: 'drop' },
  'run.googleapis.com/image-uri': { on: SERVICE, apply: 'drop' },
  'run.googleapis.com/enable-automatic-updates': { on: SERVICE, apply: 'drop' },

  'run.googleapis.com/ingress': {
    on: SERVICE,
    apply: (v, at, s) => (s.ingress = choiceOf(v, at, INGRESS))
  },
  'run.googleapis.com/launch-stage': {
    on: [...RESOURCE, 'execution'],
    apply: (v, at, s) => {
      s.launchStage = choiceOf(v, at, LAUNCH_STAGES)
      s.launchStageAt = at
    }
  },
  'run.googleapis.com/description': { on: SERVICE, apply: (v, _at, s) => (s.description = v) },
  // "default" selects the project's default policy; anything else names a policy
  // (flags.py AddBinAuthzPolicyFlags; v2/config_changes.py BinaryAuthorizationChange).
  'run.googleapis.com/binary-authorization': {
    on: RESOURCE,
    apply: (v, _at, s) =>
      (s.binaryAuthorization = {
        ...s.binaryAuthorization,
        ...(v.trim() === 'default' ? { useDefault: true } : { policy: v.trim() })
      })
  },
  'run.googleapis.com/binary-authorization-breakglass': {
    on: RESOURCE,
    apply: (v, _at, s) =>
      (s.binaryAuthorization = { ...s.binaryAuthorization, breakglassJustification: v })
  },
  // A JSON list (config_changes.py CustomAudiencesChanges).
  'run.googleapis.com/custom-audiences': {
    on: SERVICE,
    apply: (v, at, s) => (s.customAudiences = stringListJson(v, at))
  },
  'run.googleapis.com/invoker-iam-disabled': {
    on: SERVICE,
    apply: (v, at, s) => (s.invokerIamDisabled = booleanOf(v, at))
  },
  'run.googleapis.com/default-url-disabled': {
    on: SERVICE,
    apply: (v, at, s) => (s.defaultUriDisabled = booleanOf(v, at))
  },
  'run.googleapis.com/iap-enabled': {
    on: SERVICE,
    apply: (v, at, s) => (s.iapEnabled = booleanOf(v, at))
  },
  'run.googleapis.com/ssh-enabled': {
    on: SERVICE,
    apply: (v, at, s) => (s.sshEnabled = booleanOf(v, at))
  },
  'run.googleapis.com/minScale': {
    on: SERVICE,
    apply: (v, at, s) => (serviceScaling(s).minInstanceCount = integerOf(v, at))
  },
  'run.googleapis.com/maxScale': {
    on: SERVICE,
    apply: (v, at, s) => (serviceScaling(s).maxInstanceCount = integerOf(v, at))
  },
  'run.googleapis.com/manualInstanceCount': {
    on: SERVICE,
    apply: (v, at, s) => (serviceScaling(s).manualInstanceCount = integerOf(v, at))
  },
  // gcloud also writes `session` (flags.py), which v2's ServiceScaling.ScalingMode has no value for.
  'run.googleapis.com/scalingMode': {
    on: SERVICE,
    apply: (v, at, s) => (serviceScaling(s).scalingMode = choiceOf(v, at, SCALING_MODES))
  },
  // Comma-separated (config_changes.py RegionsChangeAnnotationChange).
  'run.googleapis.com/regions': { on: SERVICE, apply: (v, _at, s) => (s.regions = listOf(v)) },

  'autoscaling.knative.dev/minScale': {
    on: REVISION,
    apply: (v, at, s) => (revisionScaling(s).minInstanceCount = integerOf(v, at))
  },
  'autoscaling.knative.dev/maxScale': {
    on: REVISION,
    apply: (v, at, s) => (revisionScaling(s).maxInstanceCount = integerOf(v, at))
  },
  // A decimal such as 0.6 (flags.py UtilizationValue), the same number v2 takes.
  'run.googleapis.com/scaling-cpu-target': {
    on: REVISION,
    apply: (v, at, s) => (revisionScaling(s).cpuUtilization = fractionOf(v, at))
  },
  'run.googleapis.com/scaling-concurrency-target': {
    on: REVISION,
    apply: (v, at, s) => (revisionScaling(s).concurrencyUtilization = fractionOf(v, at))
  },
  'run.googleapis.com/cpu-throttling': {
    on: REVISION,
    apply: (v, at, s) => (s.cpuIdle = booleanOf(v, at))
  },
  'run.googleapis.com/startup-cpu-boost': {
    on: REVISION,
    apply: (v, at, s) => (s.startupCpuBoost = booleanOf(v, at))
  },
  'run.googleapis.com/sessionAffinity': {
    on: REVISION,
    apply: (v, at, s) => (s.sessionAffinity = booleanOf(v, at))
  },
  'run.googleapis.com/health-check-disabled': {
    on: REVISION,
    apply: (v, at, s) => (s.healthCheckDisabled = booleanOf(v, at))
  },
  // Comma-separated PROJECT:REGION:INSTANCE names (config_changes.py CloudSQLChanges).
  'run.googleapis.com/cloudsql-instances': {
    on: POD,
    apply: (v, _at, s) => (s.cloudSqlInstances = listOf(v))
  },
  'run.googleapis.com/execution-environment': {
    on: [...POD, 'job'],
    apply: (v, at, s) => {
      s.executionEnvironment = choiceOf(v, at, EXECUTION_ENVIRONMENTS)
      s.executionEnvironmentAt = at
    }
  },
  'run.googleapis.com/vpc-access-connector': {
    on: POD,
    apply: (v, at, s) => (s.vpcConnector = { name: v.trim(), at })
  },
  'run.googleapis.com/vpc-access-egress': {
    on: POD,
    apply: (v, at, s) => (s.vpcEgress = choiceOf(v, at, EGRESS))
  },
  // A JSON list of {network, subnetwork, tags} (config_changes.py NetworkInterfacesChange).
  'run.googleapis.com/network-interfaces': {
    on: POD,
    apply: (v, at, s) => (s.networkInterfaces = networkInterfacesOf(v, at))
  },
  'run.googleapis.com/encryption-key': { on: POD, apply: (v, _at, s) => (s.encryptionKey = v) },
  'run.googleapis.com/post-key-revocation-action-type': {
    on: REVISION,
    apply: (v, at, s) => (s.encryptionKeyRevocationAction = choiceOf(v, at, KEY_REVOCATION_ACTIONS))
  },
  // Hours in v1, a duration in v2 (v2/config_changes.py CmekKeyChanges: hours * 3600 seconds).
  'run.googleapis.com/encryption-key-shutdown-hours': {
    on: REVISION,
    apply: (v, at, s) => (s.encryptionKeyShutdownDuration = `${integerOf(v, at) * 3600}s`)
  },
  // {"container": ["container it waits for", ...]} (config_changes.py ContainerDependenciesChange).
  'run.googleapis.com/container-dependencies': {
    on: POD,
    apply: (v, at, s) =>
      (s.dependsOn = {
        map: containerMapJson(
          v,
          at,
          'an object of container name to a list of names',
          isStringList
        ),
        at
      })
  },
  // {"container": "base image"} (config_changes.py BaseImagesAnnotationChange).
  'run.googleapis.com/base-images': {
    on: REVISION,
    apply: (v, at, s) =>
      (s.baseImages = {
        map: containerMapJson(v, at, 'an object of container name to an image', isString),
        at
      })
  },
  // ALIAS:projects/NUMBER/secrets/NAME, comma-separated (secrets_mapping.py ParseAnnotation).
  'run.googleapis.com/secrets': {
    on: POD,
    apply: (v, at, s) => (s.secretAliases = secretAliasesOf(v, at))
  },
  'run.googleapis.com/gpu-zonal-redundancy-disabled': {
    on: POD,
    apply: (v, at, s) => (s.gpuZonalRedundancyDisabled = booleanOf(v, at))
  },
  // gcloud writes the full projects/P/locations/global/meshes/M name (config_changes.py).
  'run.googleapis.com/mesh': { on: REVISION, apply: (v, _at, s) => (s.mesh = v.trim()) },
  // Preview (flags.py --identity, --identity-certificate). Not `identity-type`: gcloud writes
  // service-account, workload-identity or agent-identity, and v2's spelling of those is not documented.
  'run.googleapis.com/identity': {
    on: REVISION,
    apply: (v, _at, s) => (s.workloadIdentity = { ...s.workloadIdentity, identity: v })
  },
  'run.googleapis.com/identity-certificate-enabled': {
    on: REVISION,
    apply: (v, at, s) =>
      (s.workloadIdentity = { ...s.workloadIdentity, identityCertificateEnabled: booleanOf(v, at) })
  }
}

/** Namespaces whose labels and annotations v2 rejects (the v2 reference for `labels`/`annotations`). */
const SYSTEM_NAMESPACES = [
  'run.googleapis.com',
  'cloud.googleapis.com',
  'serving.knative.dev',
  'autoscaling.knative.dev'
]
const namespaceOf = (key: string) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '')
const isSystemKey = (key: string) => SYSTEM_NAMESPACES.includes(namespaceOf(key))

/** Labels the server or gcloud sets, wherever they appear. */
const DROPPED_LABELS: ReadonlySet<string> = new Set([
  // The region is part of the v2 resource name; the label is output (export keeps it).
  'cloud.googleapis.com/location',
  'run.googleapis.com/satisfiesPzs',
  // A job's last update time (api_lib/run/job.py).
  'run.googleapis.com/lastUpdatedTime',
  // "System-generated unique id for the multi-region Service" (v2 MultiRegionSettings).
  'run.googleapis.com/multi-region-id',
  // gcloud's per-deploy nonce that forces a new revision (api_lib/run/revision.py NONCE_LABEL).
  'client.knative.dev/nonce',
  // Set by the server when it adds the default startup probe (printers/k8s_object_printer_util.py).
  'run.googleapis.com/startupProbeType'
])

function networkInterfacesOf(value: string, at: string): NetworkInterface[] {
  const expected = 'a list of {"network", "subnetwork", "tags"} objects'
  const parsed = jsonOf(value, at, expected)
  const fits = (item: unknown): item is NetworkInterface =>
    isRecord(item) &&
    Object.entries(item).every(([key, field]) =>
      key === 'tags'
        ? isStringList(field)
        : ['network', 'subnetwork'].includes(key) && isString(field)
    )
  if (!Array.isArray(parsed) || !parsed.every(fits)) refuse(at, `must be JSON: ${expected}`)
  return parsed.map(item => ({ ...item }))
}

function secretAliasesOf(value: string, at: string): Map<string, string> {
  const aliases = new Map<string, string>()
  for (const pair of listOf(value)) {
    const colon = pair.indexOf(':')
    const alias = pair.slice(0, colon).trim()
    const path = pair.slice(colon + 1).trim()
    if (colon < 1 || !/^projects\/[^/:]+\/secrets\/[^/:]+$/.test(path)) {
      refuse(at, 'must be a comma-separated list of ALIAS:projects/PROJECT/secrets/SECRET')
    }
    aliases.set(alias, path)
  }
  return aliases
}

/**
 * Applies the annotations the conversion knows to `settings` and returns the others, which v2 keeps
 * as annotations unless they are in a namespace it rejects.
 */
function readAnnotations(
  entries: Entries | undefined,
  scope: Scope,
  settings: Settings,
  dropped: string[]
): Record<string, string> | undefined {
  if (entries === undefined) return undefined
  const kept: Record<string, string> = {}
  for (const [key, value] of entries.rest()) {
    const at = entries.pathOf(key)
    entries.take(key)
    const rule = Object.hasOwn(ANNOTATIONS, key) ? ANNOTATIONS[key] : undefined
    if (rule === undefined) {
      if (isSystemKey(key)) {
        refuse(
          at,
          `is not supported: this conversion does not know the annotation, and the Cloud Run Admin API v2 rejects annotations in the ${namespaceOf(key)} namespace (see docs/knative.md)`
        )
      }
      kept[key] = value
    } else if (!rule.on.includes(scope)) {
      refuse(
        at,
        `is not supported in ${SCOPE_PLACES[scope]}; Cloud Run reads it in ${placesOf(rule)}`
      )
    } else if (rule.apply === 'drop') {
      dropped.push(at)
    } else {
      rule.apply(value, at, settings)
    }
  }
  return Object.keys(kept).length > 0 ? kept : undefined
}

const placesOf = (rule: AnnotationRule) => rule.on.map(scope => SCOPE_PLACES[scope]).join(' or ')

function readLabels(
  entries: Entries | undefined,
  dropped: string[]
): Record<string, string> | undefined {
  if (entries === undefined) return undefined
  const kept: Record<string, string> = {}
  for (const [key, value] of entries.rest()) {
    const at = entries.pathOf(key)
    entries.take(key)
    if (DROPPED_LABELS.has(key)) {
      dropped.push(at)
    } else if (isSystemKey(key)) {
      refuse(
        at,
        `is not supported: this conversion does not know the label, and the Cloud Run Admin API v2 rejects labels in the ${namespaceOf(key)} namespace (see docs/knative.md)`
      )
    } else {
      kept[key] = value
    }
  }
  return Object.keys(kept).length > 0 ? kept : undefined
}

/** The conversion of one document: the dropped list and the deploy context, shared by every part. */
class Reader {
  constructor(
    private readonly dropped: string[],
    private readonly context: KnativeContext
  ) {}

  service(root: Fields): Service {
    const own: Settings = {}
    const { name, labels, annotations } = this.metadata(root, 'service', own)
    const spec = root.object('spec')
    const template = spec?.object('template')
    const traffic = spec?.objects('traffic')?.map(target => this.trafficTarget(target))
    spec?.done()
    return {
      name,
      labels,
      annotations,
      description: own.description,
      launchStage: own.launchStage,
      ingress: own.ingress,
      binaryAuthorization: own.binaryAuthorization,
      customAudiences: own.customAudiences,
      invokerIamDisabled: own.invokerIamDisabled,
      defaultUriDisabled: own.defaultUriDisabled,
      iapEnabled: own.iapEnabled,
      sshEnabled: own.sshEnabled,
      scaling: own.serviceScaling,
      multiRegionSettings: own.regions && { regions: own.regions },
      template: template && this.revisionTemplate(template),
      traffic
    }
  }

  job(root: Fields): Job {
    const own: Settings = {}
    const { name, labels, annotations } = this.metadata(root, 'job', own)
    const spec = root.object('spec')
    const execution = spec?.object('template')
    const runExecutionToken = spec?.string('runExecutionToken')
    const startExecutionToken = spec?.string('startExecutionToken')
    spec?.done()

    const settings: Settings = {}
    const metadata = execution?.object('metadata')
    const templateLabels = readLabels(metadata?.entries('labels'), this.dropped)
    const templateAnnotations = readAnnotations(
      metadata?.entries('annotations'),
      'execution',
      settings,
      this.dropped
    )
    metadata?.done()
    // A job's execution environment and launch stage may be written in both places (older exports
    // repeat them); the same value twice is one setting, two values are a contradiction.
    const launchStage = this.agree(own.launchStage, settings.launchStage, settings.launchStageAt)
    const environment = this.agree(
      settings.executionEnvironment,
      own.executionEnvironment,
      own.executionEnvironmentAt
    )
    settings.executionEnvironment = environment

    const executionSpec = execution?.object('spec')
    const task = executionSpec?.object('template')
    const parallelism = executionSpec?.integer('parallelism')
    const taskCount = executionSpec?.integer('taskCount')
    const delayExecution = executionSpec?.boolean('delayExecution')
    executionSpec?.done()
    execution?.done()
    const taskSpec = task?.object('spec')
    task?.done()

    return {
      name,
      labels,
      annotations,
      launchStage,
      binaryAuthorization: own.binaryAuthorization,
      runExecutionToken,
      startExecutionToken,
      template: execution && {
        labels: templateLabels,
        annotations: templateAnnotations,
        parallelism,
        taskCount,
        delayExecution,
        template: this.taskTemplate(taskSpec, settings)
      }
    }
  }

  /** One value from two places: the first wins, a repeat is dropped, a different value refused. */
  private agree<T>(first: T | undefined, second: T | undefined, secondAt?: string): T | undefined {
    if (first === undefined || second === undefined) return first ?? second
    if (first !== second && secondAt !== undefined) {
      refuse(secondAt, 'contradicts the same setting made elsewhere in the file')
    }
    if (secondAt !== undefined) this.dropped.push(secondAt)
    return first
  }

  private metadata(root: Fields, scope: Scope, settings: Settings) {
    const metadata = root.object('metadata')
    // Server-managed; `--format export` removes all but namespace (export_printer.py), a plain
    // `describe` keeps them all.
    metadata?.drop(
      'namespace',
      'resourceVersion',
      'generation',
      'creationTimestamp',
      'uid',
      'selfLink'
    )
    const name = metadata?.string('name')
    const labels = readLabels(metadata?.entries('labels'), this.dropped)
    const annotations = readAnnotations(
      metadata?.entries('annotations'),
      scope,
      settings,
      this.dropped
    )
    metadata?.done()
    return { name, labels, annotations }
  }

  private revisionTemplate(template: Fields): RevisionTemplate {
    const settings: Settings = {}
    const metadata = template.object('metadata')
    const revision = metadata?.string('name')
    const labels = readLabels(metadata?.entries('labels'), this.dropped)
    const annotations = readAnnotations(
      metadata?.entries('annotations'),
      'revision',
      settings,
      this.dropped
    )
    metadata?.done()
    const spec = template.object('spec')
    template.done()

    const pod = this.pod(spec, settings, 'service')
    const maxInstanceRequestConcurrency = spec?.integer('containerConcurrency')
    const timeoutSeconds = spec?.integer('timeoutSeconds')
    // gcloud sets this runtime class together with base-images (config_changes.py
    // BaseImagesAnnotationChange); v2 says the same with containers[].baseImageUri.
    const runtimeClassName = spec?.string('runtimeClassName')
    if (spec && runtimeClassName !== undefined) {
      const at = spec.pathOf('runtimeClassName')
      if (runtimeClassName !== 'run.googleapis.com/linux-base-image-update')
        refuse(at, NOT_SUPPORTED)
      this.dropped.push(at)
    }
    spec?.done()

    return {
      revision,
      labels,
      annotations,
      ...pod,
      scaling: settings.scaling,
      maxInstanceRequestConcurrency,
      timeout: timeoutSeconds === undefined ? undefined : `${timeoutSeconds}s`,
      sessionAffinity: settings.sessionAffinity,
      healthCheckDisabled: settings.healthCheckDisabled,
      encryptionKeyRevocationAction: settings.encryptionKeyRevocationAction,
      encryptionKeyShutdownDuration: settings.encryptionKeyShutdownDuration,
      serviceMesh: settings.mesh === undefined ? undefined : { mesh: settings.mesh },
      workloadIdentityConfig: settings.workloadIdentity
    }
  }

  private taskTemplate(spec: Fields | undefined, settings: Settings): TaskTemplate {
    const pod = this.pod(spec, settings, 'job')
    const maxRetries = spec?.integer('maxRetries')
    const timeoutSeconds = spec?.integer('timeoutSeconds')
    spec?.done()
    return {
      ...pod,
      maxRetries,
      timeout: timeoutSeconds === undefined ? undefined : `${timeoutSeconds}s`
    }
  }

  /** What a revision template and a task template share. */
  private pod(spec: Fields | undefined, settings: Settings, kind: 'service' | 'job') {
    const aliases = settings.secretAliases ?? new Map<string, string>()
    const containers =
      spec?.objects('containers')?.map(container => this.container(container, aliases)) ?? []
    const volumes = spec?.objects('volumes')?.map(volume => this.volume(volume, aliases)) ?? []
    const serviceAccount = spec?.string('serviceAccountName')
    const grace = spec?.integer('terminationGracePeriodSeconds')
    const nodeSelector = spec?.entries('nodeSelector')
    const accelerator = nodeSelector?.take('run.googleapis.com/accelerator')
    const [other] = nodeSelector?.rest() ?? []
    if (nodeSelector && other) refuse(nodeSelector.pathOf(other[0]), NOT_SUPPORTED)

    this.applyToContainers(containers, settings, kind)
    if (settings.cloudSqlInstances !== undefined) {
      // v1 makes every instance's socket available in every container under /cloudsql; v2 holds
      // them in a volume (gcloud names it `cloudsql`: v2/config_changes.py AddCloudSQLChanges),
      // mounted at /cloudsql, the one path v2 allows for it (v2 VolumeMount.mountPath).
      // ASSUMPTION: a v2 Cloud SQL volume reaches only the containers that mount it, as Cloud SQL's
      // "Connect from Cloud Run" Terraform sample for v2 mounts it; so every container mounts it.
      volumes.push({
        name: 'cloudsql',
        cloudSqlInstance: { instances: settings.cloudSqlInstances }
      })
      for (const container of containers) {
        container.volumeMounts = [
          ...(container.volumeMounts ?? []),
          { name: 'cloudsql', mountPath: '/cloudsql' }
        ]
      }
    }
    return {
      containers: spec?.raw('containers') === undefined ? undefined : containers,
      volumes: volumes.length > 0 ? volumes : undefined,
      serviceAccount,
      terminationGracePeriod: grace === undefined ? undefined : `${grace}s`,
      nodeSelector: accelerator === undefined ? undefined : { accelerator },
      executionEnvironment: settings.executionEnvironment,
      encryptionKey: settings.encryptionKey,
      gpuZonalRedundancyDisabled: settings.gpuZonalRedundancyDisabled,
      vpcAccess: this.vpcAccess(settings)
    }
  }

  /** v1's revision-wide annotations that v2 holds per container. */
  private applyToContainers(containers: Container[], s: Settings, kind: 'service' | 'job'): void {
    const byName = new Map(containers.map(container => [container.name ?? '', container]))
    if (s.dependsOn !== undefined) {
      for (const [name, dependencies] of s.dependsOn.map) {
        const container = byName.get(name)
        const missing = dependencies.find(dependency => !byName.has(dependency))
        if (container === undefined || missing !== undefined) {
          refuse(
            s.dependsOn.at,
            `names a container the template does not have (${missing ?? name})`
          )
        }
        container.dependsOn = dependencies
      }
    }
    if (s.baseImages !== undefined) {
      // gcloud keys an unnamed single container by "" (BaseImagesAnnotationChange).
      for (const [name, image] of s.baseImages.map) {
        const container = byName.get(name)
        if (container === undefined) {
          refuse(s.baseImages.at, `names a container the template does not have (${name})`)
        }
        container.baseImageUri = image
      }
    }
    for (const container of containers) {
      const resources: ResourceRequirements = { ...container.resources }
      if (s.cpuIdle !== undefined) resources.cpuIdle = s.cpuIdle
      // v1 throttles a service's CPU unless the annotation says otherwise. v2 does too, but "if
      // ResourceRequirements is set, the caller must explicitly set this field to true to preserve
      // the default behavior" (v2 ResourceRequirements.cpuIdle). A job's CPU is never throttled.
      else if (kind === 'service' && container.resources !== undefined) resources.cpuIdle = true
      if (s.startupCpuBoost !== undefined) resources.startupCpuBoost = s.startupCpuBoost
      if (Object.keys(resources).length > 0) container.resources = resources
    }
  }

  private vpcAccess(s: Settings): VpcAccess | undefined {
    if (s.vpcConnector === undefined && s.vpcEgress === undefined && !s.networkInterfaces) {
      return undefined
    }
    return {
      connector: s.vpcConnector && this.connectorName(s.vpcConnector.name, s.vpcConnector.at),
      egress: s.vpcEgress,
      networkInterfaces: s.networkInterfaces
    }
  }

  /**
   * v2 takes only `projects/P/locations/L/connectors/C` (v2 VpcAccess.connector). gcloud writes what
   * the user typed for --vpc-connector (config_changes.py VpcConnectorChange).
   * ASSUMPTION: v1 resolves a short name in the resource's own project and region, as the
   * Serverless VPC Access connectors a service can use are in its region; Terraform's v1 samples
   * pass the short name.
   */
  private connectorName(name: string, at: string): string {
    if (name.startsWith('projects/')) return name
    const { project, region } = this.context
    if (project === undefined || region === undefined) {
      refuse(
        at,
        'names a connector by its short name; the Cloud Run Admin API v2 needs projects/PROJECT/locations/REGION/connectors/NAME'
      )
    }
    return `projects/${project}/locations/${region}/connectors/${name}`
  }

  private container(f: Fields, aliases: ReadonlyMap<string, string>): Container {
    const container: Container = {
      name: f.string('name'),
      image: f.string('image'),
      command: f.strings('command'),
      args: f.strings('args'),
      workingDir: f.string('workingDir'),
      env: f.objects('env')?.map(variable => this.env(variable, aliases)),
      ports: f.objects('ports')?.map(port => this.port(port)),
      resources: this.resources(f.object('resources')),
      volumeMounts: f.objects('volumeMounts')?.map(mount => this.volumeMount(mount)),
      livenessProbe: this.probe(f.object('livenessProbe')),
      readinessProbe: this.probe(f.object('readinessProbe')),
      startupProbe: this.probe(f.object('startupProbe')),
      sandboxLauncher: f.boolean('sandboxLauncher')
    }
    f.done()
    return container
  }

  private env(f: Fields, aliases: ReadonlyMap<string, string>): EnvVar {
    const name = f.string('name')
    const value = f.string('value')
    const from = f.object('valueFrom')
    f.done()
    if (from === undefined) return { name, value }
    // "Cannot be used if value is not empty" (v1 EnvVar.valueFrom).
    if (value !== undefined && value !== '') {
      refuse(f.pathOf('valueFrom'), 'cannot be given together with a non-empty value')
    }
    const ref = from.object('secretKeyRef')
    from.done()
    if (ref === undefined) return { name }
    const secret = ref.string('name')
    // v1 `key` is the secret's version (v1 SecretKeySelector.key).
    const version = ref.string('key')
    ref.done()
    return {
      name,
      valueSource: { secretKeyRef: { secret: secret && (aliases.get(secret) ?? secret), version } }
    }
  }

  private port(f: Fields) {
    const port = { containerPort: f.integer('containerPort'), name: f.string('name') }
    // "Must be TCP" (v1 ContainerPort.protocol); v2 has no such field.
    const protocol = f.string('protocol')
    if (protocol === 'TCP') this.dropped.push(f.pathOf('protocol'))
    else if (protocol !== undefined)
      refuse(f.pathOf('protocol'), 'must be TCP, the only protocol Cloud Run serves')
    f.done()
    return port
  }

  private resources(f: Fields | undefined): ResourceRequirements | undefined {
    if (f === undefined) return undefined
    const limits = f.entries('limits')
    const rest = limits?.rest()
    f.done()
    return rest === undefined || rest.length === 0 ? {} : { limits: Object.fromEntries(rest) }
  }

  private volumeMount(f: Fields): VolumeMount {
    const mount = {
      name: f.string('name'),
      mountPath: f.string('mountPath'),
      subPath: f.string('subPath')
    }
    // "Not used by Cloud Run" (v1 VolumeMount.readOnly); v2 has no such field.
    f.drop('readOnly')
    f.done()
    return mount
  }

  private probe(f: Fields | undefined): Probe | undefined {
    if (f === undefined) return undefined
    const http = f.object('httpGet')
    const tcp = f.object('tcpSocket')
    const grpc = f.object('grpc')
    const probe: Probe = {
      initialDelaySeconds: f.integer('initialDelaySeconds'),
      timeoutSeconds: f.integer('timeoutSeconds'),
      periodSeconds: f.integer('periodSeconds'),
      failureThreshold: f.integer('failureThreshold'),
      httpGet: http && {
        path: http.string('path'),
        port: http.integer('port'),
        httpHeaders: http.objects('httpHeaders')?.map(header => {
          const pair = { name: header.string('name'), value: header.string('value') }
          header.done()
          return pair
        })
      },
      tcpSocket: tcp && { port: tcp.integer('port') },
      grpc: grpc && { port: grpc.integer('port'), service: grpc.string('service') }
    }
    // "Must be 1 if set" (v1 Probe.successThreshold); v2 has no such field.
    const successThreshold = f.integer('successThreshold')
    if (successThreshold === 1) this.dropped.push(f.pathOf('successThreshold'))
    else if (successThreshold !== undefined) refuse(f.pathOf('successThreshold'), 'must be 1')
    http?.done()
    tcp?.done()
    grpc?.done()
    f.done()
    return probe
  }

  private volume(f: Fields, aliases: ReadonlyMap<string, string>): Volume {
    const name = f.string('name')
    // "In Cloud Run Fully Managed, the name 'cloudsql' is reserved" (v1 Volume.name).
    if (name === 'cloudsql') refuse(f.pathOf('name'), 'is reserved for Cloud SQL connections')
    const secret = f.object('secret')
    const emptyDir = f.object('emptyDir')
    const nfs = f.object('nfs')
    const csi = f.object('csi')
    const volume: Volume = {
      name,
      secret: secret && this.secretVolume(secret, aliases),
      emptyDir: emptyDir && this.emptyDir(emptyDir),
      nfs: nfs && {
        server: nfs.string('server'),
        path: nfs.string('path'),
        readOnly: nfs.boolean('readOnly')
      },
      gcs: csi && this.gcsVolume(csi)
    }
    nfs?.done()
    f.done()
    return volume
  }

  private secretVolume(f: Fields, aliases: ReadonlyMap<string, string>) {
    const secret = f.string('secretName')
    const source = {
      secret: secret && (aliases.get(secret) ?? secret),
      defaultMode: f.integer('defaultMode'),
      // v1 `key` is the version to mount (v1 KeyToPath.key; volumes.py SecretVolume).
      items: f.objects('items')?.map(item => {
        const entry = {
          version: item.string('key'),
          path: item.string('path'),
          mode: item.integer('mode')
        }
        item.done()
        return entry
      })
    }
    f.done()
    return source
  }

  private emptyDir(f: Fields) {
    // gcloud writes Memory or Disk (volumes.py _InMemoryVolume, _TempDiskVolume); "" is the default.
    const medium = f.string('medium')
    const media: Readonly<Record<string, string>> = { Memory: 'MEMORY', Disk: 'DISK' }
    if (medium !== undefined && medium !== '' && media[medium] === undefined) {
      refuse(f.pathOf('medium'), 'must be Memory or Disk')
    }
    const source = {
      medium: medium ? media[medium] : undefined,
      sizeLimit: f.string('sizeLimit')
    }
    f.done()
    return source
  }

  /** Cloud Storage through the gcsfuse CSI driver (v1 CSIVolumeSource; volumes.py _GcsVolume). */
  private gcsVolume(f: Fields) {
    const driver = f.string('driver')
    if (driver !== 'gcsfuse.run.googleapis.com') {
      refuse(
        f.pathOf('driver'),
        'must be gcsfuse.run.googleapis.com, the only CSI driver Cloud Run has'
      )
    }
    const attributes = f.entries('volumeAttributes')
    const bucket = attributes?.take('bucketName')
    const options = attributes?.take('mountOptions')
    const [other] = attributes?.rest() ?? []
    if (attributes && other) refuse(attributes.pathOf(other[0]), NOT_SUPPORTED)
    const source = {
      bucket,
      readOnly: f.boolean('readOnly'),
      // Comma-separated in v1, a list in v2.
      mountOptions: options === undefined ? undefined : listOf(options)
    }
    f.done()
    return source
  }

  private trafficTarget(f: Fields): TrafficTarget {
    const revision = f.string('revisionName')
    const latest = f.boolean('latestRevision')
    // Output only, "disallowed on spec" (v1 TrafficTarget.url).
    f.drop('url')
    const target: TrafficTarget = { percent: f.integer('percent'), tag: f.string('tag') }
    f.done()
    // latestRevision "must be false if RevisionName is set ... defaults to true otherwise".
    if (revision !== undefined) {
      if (latest === true)
        refuse(f.pathOf('latestRevision'), 'cannot be true together with revisionName')
      return { ...target, type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision }
    }
    if (latest === false)
      refuse(f.pathOf('latestRevision'), 'can be false only together with revisionName')
    return { ...target, type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' }
  }
}

/** The resource without its unset fields. */
function prune(value: object): Record<string, unknown> {
  const walk = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(walk)
    if (!isRecord(item)) return item
    return Object.fromEntries(
      Object.entries(item)
        .filter(([, field]) => field !== undefined)
        .map(([key, field]) => [key, walk(field)])
    )
  }
  return walk(value) as Record<string, unknown>
}
