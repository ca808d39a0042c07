import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import type {
  CloudRunResource,
  Config,
  EntriesChange,
  ResourceKind,
  SecretRef,
  ServiceAgentAccessMode,
  TagAssignment,
  TrafficAssignment,
  UpdateStrategy
} from './config.js'
import { checkFields, JOB_FIELDS, SERVICE_FIELDS, WORKER_POOL_FIELDS } from './deploy/fields.js'
import { parseEntries, parseSecretReference, type Entry } from './dialects/entries.js'
import {
  DEDICATED_FLAG,
  DEDICATED_INPUT,
  gcloudDuration,
  translateTrafficFlags,
  type EntriesFlag,
  type FlagsTranslation
} from './dialects/gcloud.js'
import { resolveEndpoints } from './endpoints.js'
import { ActionError, InputEntryError, InputError } from './errors.js'
import { ImageReferenceError, parseImageReference, type ImageReference } from './image.js'

/** Where the raw inputs come from: the runner by default, a fake in tests. */
export interface InputSource {
  /** The trimmed raw value, '' when unset. */
  getInput(name: string): string
  env: NodeJS.ProcessEnv
  /** Throws when the file is missing or unreadable. */
  readFile(path: string): string
}

const actionsSource: InputSource = {
  getInput: name => core.getInput(name),
  env: process.env,
  readFile: path => readFileSync(path, 'utf8')
}

/** Cloud Run regions (cloud.google.com/run/docs/locations); a region missing here only earns a warning. */
export const KNOWN_CLOUD_RUN_REGIONS: ReadonlySet<string> = new Set([
  'africa-south1',
  'asia-east1',
  'asia-east2',
  'asia-northeast1',
  'asia-northeast2',
  'asia-northeast3',
  'asia-south1',
  'asia-south2',
  'asia-southeast1',
  'asia-southeast2',
  'australia-southeast1',
  'australia-southeast2',
  'europe-central2',
  'europe-north1',
  'europe-southwest1',
  'europe-west1',
  'europe-west2',
  'europe-west3',
  'europe-west4',
  'europe-west6',
  'europe-west8',
  'europe-west9',
  'europe-west10',
  'europe-west12',
  'me-central1',
  'me-central2',
  'me-west1',
  'northamerica-northeast1',
  'northamerica-northeast2',
  'southamerica-east1',
  'southamerica-west1',
  'us-central1',
  'us-east1',
  'us-east4',
  'us-east5',
  'us-south1',
  'us-west1',
  'us-west2',
  'us-west3',
  'us-west4'
])

/** Environment variables Cloud Run sets itself; a container cannot override them. */
export const RESERVED_ENV_VARS: ReadonlySet<string> = new Set([
  'PORT',
  'K_SERVICE',
  'K_REVISION',
  'K_CONFIGURATION',
  'CLOUD_RUN_JOB',
  'CLOUD_RUN_EXECUTION',
  'CLOUD_RUN_TASK_INDEX',
  'CLOUD_RUN_TASK_ATTEMPT',
  'CLOUD_RUN_TASK_COUNT',
  'CLOUD_RUN_WORKER_POOL'
])

const PROJECT_ENV_VARS = [
  'CLOUDSDK_CORE_PROJECT',
  'GOOGLE_CLOUD_PROJECT',
  'GCLOUD_PROJECT'
] as const

const TARGETS = [
  // 49, not 63: Cloud Run appends a revision suffix to service and worker pool names.
  { input: 'service', kind: 'service', maxLength: 49 },
  { input: 'job', kind: 'job', maxLength: 63 },
  { input: 'worker_pool', kind: 'workerPool', maxLength: 49 }
] as const satisfies readonly { input: string; kind: ResourceKind; maxLength: number }[]

const RESOURCE_NAME = /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/
const PROJECT_ID_RULE =
  'a project ID such as my-project: 6 to 30 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen (example.com:my-project when domain-scoped)'
const REGION = /^[a-z]+-[a-z]+[0-9]+$/
const WORKLOAD_IDENTITY_PROVIDER =
  /^projects\/([^/]+)\/locations\/global\/workloadIdentityPools\/([a-z0-9-]{4,32})\/providers\/([a-z0-9-]{4,32})$/
const EMAIL =
  /^[a-z0-9](?:[a-z0-9._+-]*[a-z0-9])?@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/i
const SERVICE_ACCOUNT_PROJECT = /@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/
/** Cloud Run's env var names: anything but "=" (EnvVar.name); whitespace is refused as a likely mistake. */
const ENV_NAME = /^[^\s=]+$/
/** A container's name, a DNS label (Container.name, RFC 1123). */
const CONTAINER_NAME = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const REVISION_TAG = /^[a-z](?:[a-z0-9-]{0,44}[a-z0-9])?$/
const DURATION = /^(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$/
// setTimeout fires at once past 2^31-1 ms (about 24.8 days); a day is already far beyond any wait.
const MAX_DURATION_MS = 24 * 60 * 60 * 1000
const DURATION_RULE = 'a duration such as 90s, 5m or 1h30m, more than zero and at most 24h'
const TRUE = new Set(['true', 'True', 'TRUE'])
const FALSE = new Set(['false', 'False', 'FALSE'])

const KIND_NAMES: Record<DetectedKind, string> = {
  service: 'Service',
  job: 'Job',
  workerPool: 'WorkerPool',
  serviceOrWorkerPool: 'Service or WorkerPool'
}

/**
 * The parsers only some inputs need, loaded only for them: a run without `metadata` or `flags` loads no YAML
 * parser (115 kB) and no gcloud or Knative dialect (50 kB).
 */
export interface Dialects {
  readonly yaml: typeof import('yaml') | undefined
  readonly knative: typeof import('./dialects/knative.js') | undefined
  readonly flags: typeof import('./dialects/flags.js') | undefined
  /** The runner's VM's project, from its metadata server: project_id's last fallback, as gcloud's. */
  readonly metadataProject?: string
}

/** Loads what the given inputs need, then reads them (readConfig). */
export async function loadConfig(source: InputSource = actionsSource): Promise<Config> {
  const metadata = source.getInput('metadata') !== ''
  const [yaml, knative, flags, metadataProject] = await Promise.all([
    metadata ? import('yaml') : undefined,
    metadata ? import('./dialects/knative.js') : undefined,
    source.getInput('flags') !== '' ? import('./dialects/flags.js') : undefined,
    vmProject(source)
  ])
  return readConfig(source, { yaml, knative, flags, metadataProject })
}

/**
 * On a self-hosted runner on Google Cloud with no other hint of the project (no input, no variable, no
 * credentials file, no service_account), gcloud — and so deploy-cloudrun — deploys to the VM's own project,
 * which its metadata server names. Asked only then, and only where src/auth/metadata.ts expects one.
 */
async function vmProject(source: InputSource): Promise<string | undefined> {
  const hinted =
    ['project_id', 'service_account', 'workload_identity_provider'].some(name =>
      source.getInput(name)
    ) || [...PROJECT_ENV_VARS, 'GOOGLE_APPLICATION_CREDENTIALS'].some(name => source.env[name])
  if (hinted) return undefined
  const [{ loadAuthLibrary }, { expectMetadataServer }] = await Promise.all([
    import('./google/transport.js'),
    import('./auth/metadata.js')
  ])
  const lib = await loadAuthLibrary()
  if (!expectMetadataServer(source.env, () => lib.gcpMetadata.getGCPResidency())) return undefined
  try {
    return await lib.gcpMetadata.project<string>('project-id')
  } catch {
    // No answer: project_id's error says what to set.
    return undefined
  }
}

/**
 * Reads and validates every input once. Throws the error of the first problem, checking the inputs in the
 * order below; nothing has been sent anywhere yet.
 */
export function readConfig(source: InputSource, dialects: Dialects): Config {
  const input = (name: string): string => source.getInput(name)

  // deploy-cloudrun deploys a metadata file on its own: the resource's kind, name and image come from it.
  const named = namedInMetadata(source, dialects, input('metadata'))
  const target = readTarget(source, named)
  refuseSource(input('source'))
  const image = readImage(input('image') || named?.image || '')
  const { projectId, projectIdSource } = readProject(source, dialects.metadataProject)
  const regions = readRegions(input('region') || 'us-central1')
  const workloadIdentityProvider = readWorkloadIdentityProvider(input('workload_identity_provider'))
  const serviceAccount = readEmail('service_account', input('service_account'))
  const serviceAgentAccess = readChoice<ServiceAgentAccessMode>(
    'service_agent_access',
    input('service_agent_access'),
    ['check', 'grant', 'skip']
  )
  const dryRun = readBoolean('dry_run', input('dry_run'), false)
  const flags = input('flags')
    ? loaded(dialects.flags, 'flags').translateFlags(input('flags'), target.kind)
    : undefined
  refuseRepeatedInputs(source, flags)

  const noTraffic = flags?.noTraffic ?? readBoolean('no_traffic', input('no_traffic'), false)
  if (noTraffic) onlyFor('no_traffic', input('no_traffic'), target, 'service', 'false or unset')
  const execute = readBoolean('execute', input('execute'), false)
  if (execute) onlyFor('execute', input('execute'), target, 'job', 'false or unset')
  const wait = readBoolean('wait', input('wait'), true)
  const prComment = readBoolean('pr_comment', input('pr_comment'), false)
  const container = readContainer(input('container'))
  const env = readEnv(
    input('env_vars'),
    readUpdateStrategy('env_vars_update_strategy', source),
    flags?.envVars
  )
  const secretsStrategy = readUpdateStrategy('secrets_update_strategy', source)
  const secrets = readSecrets(input('secrets'), secretsStrategy, flags?.secrets)
  const labels = readLabels(input('labels'), flags?.labels)
  const skipDefaultLabels = readBoolean('skip_default_labels', input('skip_default_labels'), false)
  const runtimeServiceAccount =
    flags?.runtimeServiceAccount ??
    readEmail('runtime_service_account', input('runtime_service_account'))
  const metadata = readMetadata(source, dialects, input('metadata'), target, projectId, regions)
  const suffix = readSuffix(flags?.suffix ?? input('suffix'), target)
  const timeout = readTimeout(input('timeout'), flags?.timeout, target)
  const tag = readTag(flags?.tag ?? input('tag'), target)
  const { revisionTraffic, tagTraffic } = readTraffic(source, target)
  const waitTimeoutMs = readDuration('wait_timeout', input('wait_timeout') || '10m')
  const iamPropagationTimeoutMs = readDuration(
    'iam_propagation_timeout',
    input('iam_propagation_timeout') || '7m'
  )
  const githubToken = input('github_token')
  const universe = input('universe') || 'googleapis.com'
  const endpoints = resolveEndpoints(universe, source.env)
  const notices = ['gcloud_version', 'gcloud_component']
    .filter(name => input(name) !== '')
    .map(
      name =>
        `Input ${name} is ignored: this action calls the Cloud Run Admin API itself and uses no gcloud.`
    )

  return Object.freeze({
    target,
    image,
    projectId,
    projectIdSource,
    regions,
    workloadIdentityProvider,
    serviceAccount,
    serviceAgentAccess,
    dryRun,
    container,
    env,
    secrets,
    labels,
    defaultLabels: skipDefaultLabels ? new Map() : defaultLabels(source.env),
    runtimeServiceAccount,
    metadata,
    flags: flags && {
      fields: flags.fields,
      cloudSql: flags.cloudSql,
      allowUnauthenticated: flags.allowUnauthenticated,
      permissions: flags.permissions
    },
    suffix,
    timeout,
    tag,
    noTraffic,
    revisionTraffic,
    tagTraffic,
    execute,
    wait,
    waitTimeoutMs,
    iamPropagationTimeoutMs,
    prComment,
    githubToken,
    universe,
    endpoints: Object.freeze({ ...endpoints }),
    notices
  })
}

type Target = Config['target']

/** A parser loadConfig was to load for this input. */
function loaded<T>(module: T | undefined, input: string): T {
  if (!module) throw new Error(`the parser for ${input} was not loaded`)
  return module
}

/** What a metadata file says of the resource it describes, for a step that gives only the file. */
interface Named {
  readonly kind: ResourceKind
  readonly name: string
  readonly image: string | undefined
}

/**
 * The kind, name and main image a metadata file names: a Knative manifest's `kind` and `metadata.name`,
 * or a v2 resource's `name` and the fields only its kind has. Undefined when the file says nothing usable
 * (readMetadata reports a broken file in full later).
 */
function namedInMetadata(source: InputSource, dialects: Dialects, path: string): Named | undefined {
  if (path === '' || !dialects.yaml) return undefined
  let document: unknown
  try {
    document = dialects.yaml.parse(source.readFile(path))
  } catch {
    return undefined
  }
  if (!isRecord(document)) return undefined
  const record = (value: unknown) => (isRecord(value) ? value : {})
  const firstImage = (pod: Record<string, unknown>) => {
    const containers = Array.isArray(pod['containers']) ? pod['containers'].filter(isRecord) : []
    const main =
      containers.find(c => Array.isArray(c['ports']) && c['ports'].length) ?? containers[0]
    return typeof main?.['image'] === 'string' ? main['image'] : undefined
  }
  const spec = record(document['spec'])
  if (document['kind'] === 'Service' || document['kind'] === 'Job') {
    const name = record(document['metadata'])['name']
    const template = record(record(spec['template'])['spec'])
    const pod = document['kind'] === 'Job' ? record(record(template['template'])['spec']) : template
    return typeof name === 'string'
      ? { kind: document['kind'] === 'Job' ? 'job' : 'service', name, image: firstImage(pod) }
      : undefined
  }
  const name = typeof document['name'] === 'string' ? document['name'].split('/').pop() : undefined
  const found = detectKind(document)
  if (!name || !found) return undefined
  const kind: ResourceKind = found.kind === 'serviceOrWorkerPool' ? 'service' : found.kind
  const template = record(document['template'])
  return { kind, name, image: firstImage(kind === 'job' ? record(template['template']) : template) }
}

function readTarget(source: InputSource, named: Named | undefined): Target {
  const given = TARGETS.map(t => ({ ...t, value: source.getInput(t.input) })).filter(t => t.value)
  if (given.length === 0 && named) {
    const input = TARGETS.find(t => t.kind === named.kind)?.input ?? 'service'
    return checkedTarget({
      input,
      kind: named.kind,
      maxLength: named.kind === 'job' ? 63 : 49,
      value: named.name
    })
  }
  const [chosen, ...others] = given
  if (chosen === undefined || others.length > 0) {
    const got = given.map(t => `${t.input}=${t.value}`).join(', ')
    throw new InputError(
      'service',
      got,
      'exactly one of service, job or worker_pool (or a metadata file that names the resource)'
    )
  }
  return checkedTarget(chosen)
}

function checkedTarget({
  input,
  kind,
  maxLength,
  value
}: {
  input: string
  kind: ResourceKind
  maxLength: number
  value: string
}): Target {
  if (!RESOURCE_NAME.test(value) || value.length > maxLength) {
    throw new InputError(
      input,
      value,
      `a name of at most ${maxLength} lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen`
    )
  }
  return Object.freeze({ kind, name: value })
}

/** deploy-cloudrun's `source` builds the image with Cloud Build; this action deploys built images only. */
function refuseSource(value: string): void {
  if (value === '') return
  throw new InputError(
    'source',
    value,
    'no source: this action deploys a built image. Build and push it first (docker build and docker push, ' +
      'or gcloud builds submit --tag IMAGE), then pass it as image (MIGRATING.md, "source")'
  )
}

/** One region, or a comma-separated list of them: the same resource is deployed to each. */
function readRegions(value: string): readonly string[] {
  const regions = value
    .split(',')
    .map(region => region.trim())
    .filter(Boolean)
  if (regions.length === 0) {
    throw new InputError('region', value, 'a region such as us-central1, or a comma-separated list')
  }
  const seen = new Set<string>()
  for (const region of regions) {
    readRegion(region)
    if (seen.has(region))
      throw new InputError('region', value, `each region once; ${region} repeats`)
    seen.add(region)
  }
  return Object.freeze(regions)
}
function readImage(value: string): ImageReference {
  if (value === '') {
    throw new InputError(
      'image',
      value,
      'a container image such as LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE:TAG'
    )
  }
  try {
    return parseImageReference(value)
  } catch (error) {
    if (error instanceof ImageReferenceError) {
      throw new InputError('image', value, `a container image reference (${error.message})`)
    }
    throw error
  }
}

function readProject(
  source: InputSource,
  metadataProject: string | undefined
): { projectId: string; projectIdSource: string } {
  const given = source.getInput('project_id')
  if (given) return { projectId: checkedProjectId(given, undefined), projectIdSource: 'input' }
  for (const variable of PROJECT_ENV_VARS) {
    const value = source.env[variable]
    if (value) return { projectId: checkedProjectId(value, variable), projectIdSource: variable }
  }
  const fromCredentials = credentialsProject(source)
  if (fromCredentials) {
    return {
      projectId: checkedProjectId(fromCredentials, 'GOOGLE_APPLICATION_CREDENTIALS'),
      projectIdSource: 'credentials'
    }
  }
  const fromAccount = SERVICE_ACCOUNT_PROJECT.exec(source.getInput('service_account'))?.[1]
  if (fromAccount) return { projectId: fromAccount, projectIdSource: 'service_account' }
  if (metadataProject) {
    return {
      projectId: checkedProjectId(metadataProject, "the metadata server of the runner's VM"),
      projectIdSource: 'metadata server'
    }
  }
  throw new InputError(
    'project_id',
    '',
    `a project ID; it could not be inferred from ${PROJECT_ENV_VARS.join(', ')}, the GOOGLE_APPLICATION_CREDENTIALS file, service_account or a VM's metadata server: set project_id, or let google-github-actions/auth export it`
  )
}

/** project_id, else quota_project_id, of the credentials file; unreadable files are skipped. */
function credentialsProject(source: InputSource): string | undefined {
  const path = source.env['GOOGLE_APPLICATION_CREDENTIALS']
  if (!path) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(source.readFile(path))
  } catch {
    return undefined
  }
  if (!isRecord(parsed)) return undefined
  for (const field of ['project_id', 'quota_project_id']) {
    const value = parsed[field]
    if (typeof value === 'string' && value) return value
  }
  return undefined
}

function checkedProjectId(value: string, origin: string | undefined): string {
  const from = origin ? ` (the value came from ${origin})` : ''
  if (/^[0-9]+$/.test(value)) {
    throw new InputError(
      'project_id',
      value,
      `the project ID, not the project number${from}; gcloud projects describe ${value} --format="value(projectId)" prints it`
    )
  }
  const colon = value.indexOf(':')
  const domain = colon < 0 ? undefined : value.slice(0, colon)
  const id = colon < 0 ? value : value.slice(colon + 1)
  if (!PROJECT_ID.test(id) || (domain !== undefined && !DOMAIN.test(domain))) {
    throw new InputError('project_id', value, `${PROJECT_ID_RULE}${from}`)
  }
  return value
}

function readRegion(value: string): string {
  if (REGION.test(value)) return value
  const expected = /^[a-z]+-[a-z]+[0-9]+-[a-z]$/i.test(value)
    ? 'a region such as us-central1, not a zone'
    : 'a lower-case Cloud Run region such as us-central1 or asia-northeast1'
  throw new InputError('region', value, expected)
}

function readWorkloadIdentityProvider(value: string): string | undefined {
  if (value === '') return undefined
  const expected =
    'projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER'
  const prefix = /^(?:https:)?\/\/iam\.googleapis\.com\//.exec(value)?.[0]
  if (prefix)
    throw new InputError('workload_identity_provider', value, `${expected}, without "${prefix}"`)
  const match = WORKLOAD_IDENTITY_PROVIDER.exec(value)
  if (match && !/^[0-9]+$/.test(match[1] ?? '')) {
    throw new InputError(
      'workload_identity_provider',
      value,
      `${expected} with the project number, not the project ID; gcloud projects describe ${match[1]} --format="value(projectNumber)" prints it`
    )
  }
  if (!match) throw new InputError('workload_identity_provider', value, expected)
  return value
}

function readEmail(input: string, value: string): string | undefined {
  if (value === '') return undefined
  if (!EMAIL.test(value)) {
    throw new InputError(
      input,
      value,
      'a service account email such as NAME@PROJECT.iam.gserviceaccount.com'
    )
  }
  return value
}

function readChoice<T extends string>(
  input: string,
  value: string,
  choices: readonly [T, ...T[]]
): T {
  if (value === '') return choices[0]
  const chosen = choices.find(choice => choice === value)
  if (chosen === undefined) {
    const last = choices[choices.length - 1]
    throw new InputError(input, value, `${choices.slice(0, -1).join(', ')} or ${last}`)
  }
  return chosen
}

function readUpdateStrategy(input: string, source: InputSource): UpdateStrategy {
  return readChoice<UpdateStrategy>(input, source.getInput(input), ['merge', 'overwrite'])
}

/** The YAML 1.2 core schema booleans, as core.getBooleanInput accepts them. */
function readBoolean(input: string, value: string, byDefault: boolean): boolean {
  if (value === '') return byDefault
  if (TRUE.has(value)) return true
  if (FALSE.has(value)) return false
  throw new InputError(input, value, 'true or false')
}

function onlyFor(
  input: string,
  value: string,
  target: Target,
  kind: ResourceKind,
  allowed: string
): void {
  if (target.kind === kind) return
  throw new InputError(
    input,
    value,
    `${allowed}: ${input} applies only to a ${KIND_NAMES[kind]}, and this deploys the ${KIND_NAMES[target.kind]} "${target.name}"`
  )
}

// ---- KEY=VALUE lists: env_vars, secrets, labels (src/dialects/entries.ts parses them) -----------------

/** The `flags` that stand for a dedicated input: giving both is ambiguous, so it is an error. */
function refuseRepeatedInputs(source: InputSource, flags: FlagsTranslation | undefined): void {
  if (!flags) return
  const scalar = Object.entries(DEDICATED_FLAG) as [keyof typeof DEDICATED_FLAG, string][]
  const repeats: [string, string | undefined][] = [
    ['env_vars', flags.envVars?.flag],
    ['secrets', flags.secrets?.flag],
    ['labels', flags.labels?.flag],
    ...scalar.map(
      ([field, flag]) =>
        [DEDICATED_INPUT[field], flags[field] === undefined ? undefined : flag] as [
          string,
          string | undefined
        ]
    )
  ]
  for (const [input, flag] of repeats) {
    const value = source.getInput(input)
    // no_traffic: false is the default, not a choice that competes with --no-traffic.
    const given = input === 'no_traffic' ? TRUE.has(value) : value !== ''
    if (flag && given) {
      throw new ActionError(
        `Input flags: ${flag} repeats the input ${input}; give the value once, in ${input} or in flags.`
      )
    }
  }
}

/** The dedicated input's entries, or the flag's: at most one of them is set (refuseRepeatedInputs). */
function entriesFrom(
  input: string,
  raw: string,
  strategy: UpdateStrategy,
  flag: EntriesFlag | undefined
): { entries: Entry[]; strategy: UpdateStrategy; remove: readonly string[]; input: string } {
  if (flag) {
    const entries = flag.entries.map(([key, value], i) => ({ key, value, position: i + 1 }))
    return { entries, strategy: flag.strategy, remove: flag.remove, input: 'flags' }
  }
  return { entries: parseEntries(input, raw), strategy, remove: [], input }
}

function checkEnvKey(input: string, entry: Entry): void {
  if (!ENV_NAME.test(entry.key)) {
    throw new InputEntryError(
      input,
      entry.position,
      undefined,
      'a variable name without "=" or whitespace'
    )
  }
  if (RESERVED_ENV_VARS.has(entry.key)) {
    throw new InputEntryError(
      input,
      entry.position,
      entry.key,
      `a name other than ${[...RESERVED_ENV_VARS].join(', ')}: Cloud Run sets these itself`
    )
  }
}

function readEnv(
  raw: string,
  strategy: UpdateStrategy,
  flag: EntriesFlag | undefined
): EntriesChange<string> | undefined {
  const given = entriesFrom('env_vars', raw, strategy, flag)
  for (const entry of given.entries) checkEnvKey(given.input, entry)
  // An empty overwrite from a flag (--clear-env-vars) is a change; an empty input is none.
  if (!flag && given.entries.length === 0) return undefined
  return Object.freeze({
    strategy: given.strategy,
    values: new Map(given.entries.map(({ key, value }) => [key, value])),
    remove: given.remove
  })
}

function readSecrets(
  raw: string,
  strategy: UpdateStrategy,
  flag: EntriesFlag | undefined
): EntriesChange<SecretRef> | undefined {
  const given = entriesFrom('secrets', raw, strategy, flag)
  const values = new Map<string, SecretRef>()
  for (const entry of given.entries) {
    // A key with a slash is meant as a file path, and Cloud Run mounts only absolute ones.
    if (entry.key.includes('/')) checkMountPath(given.input, entry)
    else checkEnvKey(given.input, entry)
    values.set(entry.key, parseSecretReference(given.input, entry.position, entry.key, entry.value))
  }
  if (!flag && values.size === 0) return undefined
  return Object.freeze({ strategy: given.strategy, values, remove: given.remove })
}

/** A file mount: Cloud Run mounts the directory and names the file after the last component. */
function checkMountPath(input: string, entry: Entry): void {
  const components = entry.key.slice(1).split('/')
  const valid =
    entry.key.startsWith('/') &&
    components.length >= 2 &&
    components.every(c => c !== '' && c !== '.' && c !== '..')
  if (!valid) {
    throw new InputEntryError(
      input,
      entry.position,
      entry.key,
      'an environment variable name or an absolute file path such as /secrets/api-key (a directory and a file name)'
    )
  }
}

function readLabels(raw: string, flag: EntriesFlag | undefined): EntriesChange<string> | undefined {
  const given = entriesFrom('labels', raw, 'merge', flag)
  for (const { key, value, position } of given.entries) {
    if (!LABEL_KEY.test(key)) {
      throw new InputEntryError(
        given.input,
        position,
        key.length <= 63 ? key : undefined,
        'label keys of 1 to 63 lower-case letters, digits, _ or -, starting with a letter'
      )
    }
    if (!LABEL_VALUE.test(value)) {
      throw new InputEntryError(
        given.input,
        position,
        key,
        'label values of at most 63 lower-case letters, digits, _ or -'
      )
    }
  }
  if (!flag && given.entries.length === 0) return undefined
  return Object.freeze({
    strategy: given.strategy,
    values: new Map(given.entries.map(({ key, value }) => [key, value])),
    remove: given.remove
  })
}

/**
 * deploy-cloudrun's default labels (its defaultLabels()): who manages the resource, and the commit it was
 * deployed from. This action names itself; the user's own labels win on a conflict.
 */
function defaultLabels(env: NodeJS.ProcessEnv): ReadonlyMap<string, string> {
  const labels = new Map([['managed-by', 'cloud-run-deploy-action']])
  const sha = env.GITHUB_SHA?.toLowerCase()
  if (sha && LABEL_VALUE.test(sha)) labels.set('commit-sha', sha)
  return labels
}

function readContainer(value: string): string | undefined {
  if (value === '') return undefined
  if (!CONTAINER_NAME.test(value)) {
    throw new InputError(
      'container',
      value,
      'a container name: at most 63 lower-case letters, digits or hyphens, starting with a letter'
    )
  }
  return value
}

/** `<name>-<suffix>` names the new revision (deploy-cloudrun's suffix, gcloud's --revision-suffix). */
function readSuffix(value: string, target: Target): string | undefined {
  if (value === '') return undefined
  if (target.kind === 'job') {
    throw new InputError('suffix', value, 'no suffix: a job has no revisions')
  }
  const room = 63 - target.name.length - 1
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(value) || value.length > room) {
    throw new InputError(
      'suffix',
      value,
      `at most ${room} lower-case letters, digits or hyphens, not starting or ending with a hyphen ` +
        `(the revision is named ${target.name}-SUFFIX, at most 63 characters)`
    )
  }
  return value
}

/** deploy-cloudrun's `timeout` (gcloud's --timeout): a service's request timeout. */
function readTimeout(
  value: string,
  fromFlag: string | undefined,
  target: Target
): string | undefined {
  if (fromFlag !== undefined) return fromFlag
  if (value === '') return undefined
  if (target.kind !== 'service') {
    throw new InputError(
      'timeout',
      value,
      `no timeout for a ${KIND_NAMES[target.kind]}: it is a service's request timeout` +
        (target.kind === 'job' ? " (a job's task timeout is flags: --task-timeout=DURATION)" : '')
    )
  }
  try {
    return gcloudDuration(value)
  } catch {
    throw new InputError('timeout', value, 'a duration such as 300, 300s, 10m or 10m5s')
  }
}

/**
 * deploy-cloudrun's revision_traffic (`LATEST=100`, `rev-a=10,rev-b=90`) and tag_traffic (`tag=50`), as
 * gcloud run services update-traffic --to-revisions / --to-tags take them; only one of the two.
 */
function readTraffic(
  source: InputSource,
  target: Target
): { revisionTraffic?: TrafficAssignment[]; tagTraffic?: TagAssignment[] } {
  const flags = translateTrafficFlags(source.getInput('update_traffic_flags'))
  const fromFlag = (input: string, value: string | undefined) => {
    if (value !== undefined && source.getInput(input) !== '') {
      throw new ActionError(
        `Input update_traffic_flags: it repeats the input ${input}; give the traffic once, in one of them.`
      )
    }
    return value ?? source.getInput(input)
  }
  const revisions = fromFlag('revision_traffic', flags.revisions)
  const tags = fromFlag('tag_traffic', flags.tags)
  if (revisions === '' && tags === '') return {}
  const input = revisions ? 'revision_traffic' : 'tag_traffic'
  onlyFor(input, revisions || tags, target, 'service', 'no traffic input')
  if (revisions && tags) {
    throw new InputError(
      'tag_traffic',
      tags,
      'no tag_traffic when revision_traffic is set: one of the two'
    )
  }
  const assignments = parseEntries(input, revisions || tags).map(({ key, value, position }) => {
    if (!/^(?:100|[1-9]?[0-9])$/.test(value)) {
      throw new InputEntryError(input, position, key, 'a whole percent from 0 to 100')
    }
    const valid = revisions ? key === 'LATEST' || RESOURCE_NAME.test(key) : REVISION_TAG.test(key)
    if (!valid) {
      throw new InputEntryError(
        input,
        position,
        undefined,
        revisions ? 'LATEST or a revision name before "="' : 'a traffic tag before "="'
      )
    }
    return { key, percent: Number(value) }
  })
  const total = assignments.reduce((sum, a) => sum + a.percent, 0)
  if (total > 100) {
    throw new InputError(
      input,
      revisions || tags,
      `percentages that add up to at most 100, not ${total}`
    )
  }
  return revisions
    ? { revisionTraffic: assignments.map(a => ({ revision: a.key, percent: a.percent })) }
    : { tagTraffic: assignments.map(a => ({ tag: a.key, percent: a.percent })) }
}

type DetectedKind = ResourceKind | 'serviceOrWorkerPool'

const REFERENCE_PAGE: Record<ResourceKind, string> = {
  service: 'projects.locations.services',
  job: 'projects.locations.jobs',
  workerPool: 'projects.locations.workerPools'
}

const FIELDS = { service: SERVICE_FIELDS, job: JOB_FIELDS, workerPool: WORKER_POOL_FIELDS } as const

function readMetadata(
  source: InputSource,
  dialects: Dialects,
  path: string,
  target: Target,
  projectId: string,
  regions: readonly string[]
): Config['metadata'] {
  const { kind } = target
  if (path === '') return undefined
  let text: string
  try {
    text = source.readFile(path)
  } catch {
    throw new InputError('metadata', path, 'a readable YAML or JSON file')
  }
  const yaml = loaded(dialects.yaml, 'metadata')
  let parsed: unknown
  try {
    parsed = yaml.parse(text)
  } catch (error) {
    if (!(error instanceof yaml.YAMLError)) throw error
    // The parser's message ends with a multi-line excerpt of the file; keep the first line only.
    const reason = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')
    const line = error.linePos?.[0].line
    const where = line === undefined ? '' : `line ${line}: `
    throw new InputError('metadata', path, `valid YAML or JSON (${where}${reason})`)
  }
  if (!isRecord(parsed)) {
    throw new InputError(
      'metadata',
      path,
      'a YAML or JSON object holding a Cloud Run Admin API v2 resource or a Knative v1 manifest'
    )
  }
  let dialect: 'v2' | 'knative' = 'v2'
  const knative = loaded(dialects.knative, 'metadata')
  if (knative.isKnativeDocument(parsed)) {
    // What `gcloud run services describe --format export` prints (deploy-cloudrun's metadata input).
    const converted = knative.knativeToV2(parsed, { project: projectId, region: regions[0] })
    if ('problem' in converted) {
      const { path: field, problem } = converted.problem
      throw new InputError(
        'metadata',
        path,
        `a Knative manifest this action can convert, but ${field} ${problem} (docs/knative.md)`
      )
    }
    if (converted.kind !== kind) {
      throw new InputError(
        'metadata',
        path,
        `a ${KIND_NAMES[kind]} manifest, but the file holds a Knative ${KIND_NAMES[converted.kind]}`
      )
    }
    parsed = converted.resource
    dialect = 'knative'
  }
  if (!isRecord(parsed)) throw new InputError('metadata', path, 'a resource object')
  if (parsed['template'] !== undefined && !isRecord(parsed['template'])) {
    throw new InputError('metadata', path, 'a resource whose template is an object')
  }
  const found = detectKind(parsed)
  if (found && !fits(found.kind, kind)) {
    throw new InputError(
      'metadata',
      path,
      `a Cloud Run ${KIND_NAMES[kind]} resource, but the file holds a ${KIND_NAMES[found.kind]} (it has ${found.field})`
    )
  }
  // Field names are checked here, so the error names the file's field; the values' types and ranges
  // are the Admin API's to judge on deploy.
  const checked = checkFields(parsed, FIELDS[kind])
  if ('problem' in checked) {
    const { path: field, problem } = checked.problem
    throw new InputError(
      'metadata',
      path,
      `a Cloud Run Admin API v2 ${KIND_NAMES[kind]} resource, but ${field} ${problem} ` +
        `(field names: https://cloud.google.com/run/docs/reference/rest/v2/${REFERENCE_PAGE[kind]})`
    )
  }
  const resource = checked.resource
  // The inputs name the resource; a file written for another one is more likely a mistake than not.
  const name = resource['name']
  if (typeof name === 'string' && name !== '' && name.split('/').pop() !== target.name) {
    throw new InputError(
      'metadata',
      path,
      `a resource named ${target.name} or unnamed, but the file's name is ${name}`
    )
  }
  delete resource['name']
  return Object.freeze({ path, resource: resource as CloudRunResource, dialect })
}

/** Which resource a v2 document describes, from the fields only that kind has. */
function detectKind(
  resource: Record<string, unknown>
): { kind: DetectedKind; field: string } | undefined {
  const template = isRecord(resource['template']) ? resource['template'] : {}
  for (const field of ['template', 'taskCount', 'parallelism']) {
    if (field in template) return { kind: 'job', field: `template.${field}` }
  }
  if ('traffic' in resource) return { kind: 'service', field: 'traffic' }
  if ('instanceSplits' in resource) return { kind: 'workerPool', field: 'instanceSplits' }
  if ('containers' in template) return { kind: 'serviceOrWorkerPool', field: 'template.containers' }
  if ('scaling' in resource) return { kind: 'serviceOrWorkerPool', field: 'scaling' }
  return undefined
}

function fits(found: DetectedKind, wanted: ResourceKind): boolean {
  return found === 'serviceOrWorkerPool' ? wanted !== 'job' : found === wanted
}

function readTag(value: string, target: Target): string | undefined {
  if (value === '') return undefined
  onlyFor('tag', value, target, 'service', 'no tag')
  if (!REVISION_TAG.test(value)) {
    throw new InputError(
      'tag',
      value,
      'a revision tag of at most 46 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen'
    )
  }
  return value
}

/** `90` (seconds), `90s`, `5m`, `1h30m`, `2m30s` → milliseconds. */
function readDuration(input: string, value: string): number {
  const match = /^[0-9]+$/.test(value) ? [value, undefined, undefined, value] : DURATION.exec(value)
  if (!match || value === '') throw new InputError(input, value, DURATION_RULE)
  const [hours, minutes, seconds] = match.slice(1, 4).map(part => Number(part ?? 0))
  const ms = (((hours ?? 0) * 60 + (minutes ?? 0)) * 60 + (seconds ?? 0)) * 1000
  if (ms <= 0 || ms > MAX_DURATION_MS) throw new InputError(input, value, DURATION_RULE)
  return ms
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
