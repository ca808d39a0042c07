import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import { parse as parseYaml, YAMLError } from 'yaml'
import type {
  CloudRunResource,
  Config,
  ResourceKind,
  SecretRef,
  ServiceAgentAccessMode,
  UpdateStrategy
} from './config.js'
import { resolveEndpoints } from './endpoints.js'
import { InputError } from './errors.js'
import { checkFields, JOB_FIELDS, SERVICE_FIELDS, WORKER_POOL_FIELDS } from './deploy/fields.js'
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
const SECRET_NAME = /^[A-Za-z0-9_-]{1,255}$/
const SECRET_VERSION = /^(?:latest|[1-9][0-9]*)$/
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
 * Reads and validates every input once. Throws the InputError of the first problem, checking the
 * inputs in the order below.
 */
export function readConfig(source: InputSource = actionsSource): Config {
  const input = (name: string): string => source.getInput(name)

  const target = readTarget(source)
  const image = readImage(input('image'))
  const { projectId, projectIdSource } = readProject(source)
  const region = readRegion(input('region') || 'us-central1')
  const workloadIdentityProvider = readWorkloadIdentityProvider(input('workload_identity_provider'))
  const serviceAccount = readEmail('service_account', input('service_account'))
  const serviceAgentAccess = readChoice<ServiceAgentAccessMode>(
    'service_agent_access',
    input('service_agent_access'),
    ['check', 'grant', 'skip']
  )
  const dryRun = readBoolean('dry_run', input('dry_run'), false)
  const noTraffic = readBoolean('no_traffic', input('no_traffic'), false)
  if (noTraffic) onlyFor('no_traffic', input('no_traffic'), target, 'service', 'false or unset')
  const execute = readBoolean('execute', input('execute'), false)
  if (execute) onlyFor('execute', input('execute'), target, 'job', 'false or unset')
  const wait = readBoolean('wait', input('wait'), true)
  const prComment = readBoolean('pr_comment', input('pr_comment'), false)
  const envVars = readEnvVars(input('env_vars'))
  const envVarsUpdateStrategy = readUpdateStrategy('env_vars_update_strategy', source)
  const secretsUpdateStrategy = readUpdateStrategy('secrets_update_strategy', source)
  const secrets = readSecrets(input('secrets'))
  const labels = readLabels(input('labels'))
  const runtimeServiceAccount = readEmail(
    'runtime_service_account',
    input('runtime_service_account')
  )
  const metadata = readMetadata(source, input('metadata'), target)
  const tag = readTag(input('tag'), target)
  const waitTimeoutMs = readDuration('wait_timeout', input('wait_timeout') || '10m')
  const iamPropagationTimeoutMs = readDuration(
    'iam_propagation_timeout',
    input('iam_propagation_timeout') || '7m'
  )
  const githubToken = input('github_token')
  const universe = input('universe') || 'googleapis.com'
  const endpoints = resolveEndpoints(universe, source.env)

  return Object.freeze({
    target,
    image,
    projectId,
    projectIdSource,
    region,
    workloadIdentityProvider,
    serviceAccount,
    serviceAgentAccess,
    dryRun,
    envVars,
    envVarsUpdateStrategy,
    secrets,
    secretsUpdateStrategy,
    labels,
    runtimeServiceAccount,
    metadata,
    tag,
    noTraffic,
    execute,
    wait,
    waitTimeoutMs,
    iamPropagationTimeoutMs,
    prComment,
    githubToken,
    universe,
    endpoints: Object.freeze({ ...endpoints })
  })
}

type Target = Config['target']

function readTarget(source: InputSource): Target {
  const given = TARGETS.map(t => ({ ...t, value: source.getInput(t.input) })).filter(t => t.value)
  const [chosen, ...others] = given
  if (chosen === undefined || others.length > 0) {
    const got = given.map(t => `${t.input}=${t.value}`).join(', ')
    throw new InputError('service', got, 'exactly one of service, job or worker_pool')
  }
  const { input, kind, maxLength, value } = chosen
  if (!RESOURCE_NAME.test(value) || value.length > maxLength) {
    throw new InputError(
      input,
      value,
      `a name of at most ${maxLength} lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen`
    )
  }
  return Object.freeze({ kind, name: value })
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

function readProject(source: InputSource): { projectId: string; projectIdSource: string } {
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
  throw new InputError(
    'project_id',
    '',
    `a project ID; it could not be inferred from ${PROJECT_ENV_VARS.join(', ')}, the GOOGLE_APPLICATION_CREDENTIALS file or service_account: set project_id, or let google-github-actions/auth export it`
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

interface Entry {
  readonly key: string
  readonly value: string
  /** The entry with its value hidden, safe to print. */
  readonly shown: string
}

/**
 * KEY=VALUE entries, one per line or comma-separated; `\,` is a literal comma and the first `=` splits.
 * With hideValues the error for an entry without `=` names its position only: it may be a secret.
 */
function parseEntries(
  input: string,
  raw: string,
  hideValues: boolean,
  check: (entry: Entry) => void
): Entry[] {
  const entries: Entry[] = []
  const seen = new Set<string>()
  raw.split(/\r?\n/).forEach((line, lineIndex) => {
    for (const text of splitUnescaped(line)) {
      const equals = text.indexOf('=')
      if (equals < 0) {
        const shown = hideValues
          ? `line ${lineIndex + 1}: ${text.length} characters, not shown`
          : text
        throw new InputError(
          input,
          shown,
          'KEY=VALUE entries, one per line or separated by commas (\\, for a comma in a value)'
        )
      }
      const key = text.slice(0, equals)
      const value = text.slice(equals + 1)
      const shown = hideValues ? `${key}=…` : text
      if (key === '')
        throw new InputError(input, shown, 'a KEY before "=" in every KEY=VALUE entry')
      if (/\s/.test(key)) throw new InputError(input, shown, 'a KEY without whitespace')
      if (seen.has(key))
        throw new InputError(input, shown, `each KEY at most once; "${key}" is repeated`)
      seen.add(key)
      const entry = { key, value, shown }
      check(entry)
      entries.push(entry)
    }
  })
  return entries
}

function splitUnescaped(line: string): string[] {
  const parts: string[] = []
  let current = ''
  for (let i = 0; i < line.length; i++) {
    const char = line[i]
    if (char === '\\' && line[i + 1] === ',') {
      current += ','
      i++
    } else if (char === ',') {
      parts.push(current)
      current = ''
    } else {
      current += char
    }
  }
  parts.push(current)
  return parts.map(part => part.trim()).filter(part => part !== '')
}

function checkEnvKey(input: string, entry: Entry): void {
  if (RESERVED_ENV_VARS.has(entry.key)) {
    throw new InputError(
      input,
      entry.shown,
      `a name other than ${[...RESERVED_ENV_VARS].join(', ')}: Cloud Run sets these itself`
    )
  }
}

function readEnvVars(raw: string): ReadonlyMap<string, string> | undefined {
  const entries = parseEntries('env_vars', raw, true, entry => checkEnvKey('env_vars', entry))
  if (entries.length === 0) return undefined
  return new Map(entries.map(({ key, value }) => [key, value]))
}

function readSecrets(raw: string): ReadonlyMap<string, SecretRef> | undefined {
  const secrets = new Map<string, SecretRef>()
  parseEntries('secrets', raw, false, entry => {
    // A key with a slash is meant as a file path, and Cloud Run mounts only absolute ones.
    if (entry.key.includes('/')) {
      checkMountPath(entry)
    } else {
      checkEnvKey('secrets', entry)
    }
    secrets.set(entry.key, secretRef(entry))
  })
  return secrets.size === 0 ? undefined : secrets
}

/** A file mount: Cloud Run mounts the directory and names the file after the last component. */
function checkMountPath(entry: Entry): void {
  const components = entry.key.slice(1).split('/')
  const valid =
    entry.key.startsWith('/') &&
    components.length >= 2 &&
    components.every(c => c !== '' && c !== '.' && c !== '..')
  if (!valid) {
    throw new InputError(
      'secrets',
      entry.shown,
      'an environment variable name or an absolute file path such as /secrets/api-key (a directory and a file name)'
    )
  }
}

function secretRef(entry: Entry): SecretRef {
  const match = /^(?:(projects\/[^/]+\/secrets\/))?([^/:]+)(?::([^:/]*))?$/.exec(entry.value)
  const [, prefix = '', name = '', version = 'latest'] = match ?? []
  const project = prefix.split('/')[1] ?? ''
  const projectValid = prefix === '' || /^[0-9]+$/.test(project) || isProjectId(project)
  if (!match || !projectValid || !SECRET_NAME.test(name) || !SECRET_VERSION.test(version)) {
    throw new InputError(
      'secrets',
      entry.shown,
      'KEY=SECRET[:VERSION] or KEY=projects/PROJECT/secrets/SECRET[:VERSION], VERSION being latest or a version number'
    )
  }
  return Object.freeze({ secret: `${prefix}${name}`, version })
}

function isProjectId(value: string): boolean {
  const colon = value.indexOf(':')
  if (colon < 0) return PROJECT_ID.test(value)
  return DOMAIN.test(value.slice(0, colon)) && PROJECT_ID.test(value.slice(colon + 1))
}

function readLabels(raw: string): ReadonlyMap<string, string> | undefined {
  const entries = parseEntries('labels', raw, false, ({ key, value, shown }) => {
    if (!LABEL_KEY.test(key)) {
      throw new InputError(
        'labels',
        shown,
        'label keys of 1 to 63 lower-case letters, digits, _ or -, starting with a letter'
      )
    }
    if (!LABEL_VALUE.test(value)) {
      throw new InputError(
        'labels',
        shown,
        'label values of at most 63 lower-case letters, digits, _ or -'
      )
    }
  })
  if (entries.length === 0) return undefined
  return new Map(entries.map(({ key, value }) => [key, value]))
}

type DetectedKind = ResourceKind | 'serviceOrWorkerPool'

const REFERENCE_PAGE: Record<ResourceKind, string> = {
  service: 'projects.locations.services',
  job: 'projects.locations.jobs',
  workerPool: 'projects.locations.workerPools'
}

const FIELDS = { service: SERVICE_FIELDS, job: JOB_FIELDS, workerPool: WORKER_POOL_FIELDS } as const

function readMetadata(source: InputSource, path: string, target: Target): Config['metadata'] {
  const { kind } = target
  if (path === '') return undefined
  let text: string
  try {
    text = source.readFile(path)
  } catch {
    throw new InputError('metadata', path, 'a readable YAML or JSON file')
  }
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch (error) {
    if (!(error instanceof YAMLError)) throw error
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
      'a YAML or JSON object holding a Cloud Run Admin API v2 resource'
    )
  }
  if ('apiVersion' in parsed || 'kind' in parsed) {
    throw new InputError(
      'metadata',
      path,
      'a Cloud Run Admin API v2 resource with v2 field names (template.containers, scaling, ...), not a Knative v1 manifest with apiVersion and kind such as gcloud run services describe --format=export prints'
    )
  }
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
  return Object.freeze({ path, resource: resource as CloudRunResource })
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
