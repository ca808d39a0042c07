import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ActionError, InputEntryError, InputError } from '../../src/errors.js'
import * as yaml from 'yaml'
import * as flags from '../../src/dialects/flags.js'
import * as knative from '../../src/dialects/knative.js'
import {
  KNOWN_CLOUD_RUN_REGIONS,
  readConfig as readWith,
  type InputSource
} from '../../src/inputs.js'

/** readConfig with every parser at hand (loadConfig loads them only when an input needs them). */
const readConfig = (source: InputSource) => readWith(source, { yaml, knative, flags })

const FIXTURES = join('__tests__', 'fixtures', 'metadata')
const fixture = (name: string): string => join(FIXTURES, name)

type Inputs = Record<string, string>

function fakeSource(inputs: Inputs, env: NodeJS.ProcessEnv = {}, files: Inputs = {}): InputSource {
  return {
    getInput: name => (inputs[name] ?? '').trim(),
    env,
    readFile: path => files[path] ?? readFileSync(path, 'utf8')
  }
}

const BASE: Inputs = {
  service: 'api',
  image: 'us-docker.pkg.dev/my-project/repo/api:v1',
  project_id: 'my-project'
}

function without(inputs: Inputs, name: string): Inputs {
  return Object.fromEntries(Object.entries(inputs).filter(([key]) => key !== name))
}

function errorOf(inputs: Inputs, env: NodeJS.ProcessEnv = {}, files: Inputs = {}): InputError {
  try {
    readConfig(fakeSource(inputs, env, files))
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('readConfig accepted the inputs')
}

const DEFAULT_ENDPOINTS = {
  RUN: 'https://run.googleapis.com/',
  ARTIFACTREGISTRY: 'https://artifactregistry.googleapis.com/',
  CLOUDRESOURCEMANAGER: 'https://cloudresourcemanager.googleapis.com/',
  IAM: 'https://iam.googleapis.com/',
  IAMCREDENTIALS: 'https://iamcredentials.googleapis.com/',
  STS: 'https://sts.googleapis.com/',
  POLICYTROUBLESHOOTER: 'https://policytroubleshooter.googleapis.com/',
  LOGGING: 'https://logging.googleapis.com/'
}

describe('readConfig', () => {
  test('turns every input into one frozen Config', () => {
    const config = readConfig(
      fakeSource(
        {
          service: 'api',
          image: 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/api:v1',
          project_id: 'myproject-a',
          region: 'asia-northeast1',
          workload_identity_provider:
            'projects/123456789/locations/global/workloadIdentityPools/github/providers/my-repo',
          service_account: 'deployer@myproject-a.iam.gserviceaccount.com',
          service_agent_access: 'grant',
          dry_run: 'TRUE',
          no_traffic: 'True',
          wait: 'false',
          pr_comment: 'true',
          env_vars: 'A=1,B=x\\,y\nC=\nD=a=b',
          env_vars_update_strategy: 'overwrite',
          secrets_update_strategy: 'overwrite',
          secrets: 'API_KEY=api-key:3\n/secrets/db/password=projects/other-proj/secrets/db',
          labels: 'team=payments, env=prod',
          runtime_service_account: 'runtime@myproject-a.iam.gserviceaccount.com',
          metadata: fixture('service.yaml'),
          tag: 'pr-42',
          wait_timeout: '1h30m',
          iam_propagation_timeout: '90',
          github_token: 'ghs_token',
          universe: 'googleapis.com',
          container: 'api',
          suffix: 'pr-42',
          timeout: '10m5s',
          revision_traffic: 'LATEST=100'
        },
        { GITHUB_SHA: 'ABCDEF0123456789abcdef0123456789abcdef01' }
      )
    )
    expect(config).toEqual({
      target: { kind: 'service', name: 'api' },
      image: {
        raw: 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/api:v1',
        kind: 'artifact-registry',
        host: 'asia-northeast1-docker.pkg.dev',
        location: 'asia-northeast1',
        project: 'myproject-b',
        repository: 'myrepo',
        imagePath: 'api',
        tag: 'v1',
        digest: undefined
      },
      projectId: 'myproject-a',
      projectIdSource: 'input',
      regions: ['asia-northeast1'],
      workloadIdentityProvider:
        'projects/123456789/locations/global/workloadIdentityPools/github/providers/my-repo',
      serviceAccount: 'deployer@myproject-a.iam.gserviceaccount.com',
      serviceAgentAccess: 'grant',
      dryRun: true,
      container: 'api',
      env: {
        strategy: 'overwrite',
        values: new Map([
          ['A', '1'],
          ['B', 'x,y'],
          ['C', ''],
          ['D', 'a=b']
        ]),
        remove: []
      },
      secrets: {
        strategy: 'overwrite',
        values: new Map([
          ['API_KEY', { secret: 'api-key', version: '3' }],
          ['/secrets/db/password', { secret: 'projects/other-proj/secrets/db', version: 'latest' }]
        ]),
        remove: []
      },
      labels: {
        strategy: 'merge',
        values: new Map([
          ['team', 'payments'],
          ['env', 'prod']
        ]),
        remove: []
      },
      defaultLabels: new Map([
        ['managed-by', 'cloud-run-deploy-action'],
        ['commit-sha', 'abcdef0123456789abcdef0123456789abcdef01']
      ]),
      runtimeServiceAccount: 'runtime@myproject-a.iam.gserviceaccount.com',
      metadata: {
        dialect: 'v2',
        path: fixture('service.yaml'),
        resource: {
          labels: { team: 'payments' },
          template: {
            scaling: { maxInstanceCount: 5 },
            containers: [
              {
                name: 'api',
                ports: [{ containerPort: 8080 }],
                resources: { limits: { cpu: '1', memory: '512Mi' } }
              }
            ],
            maxInstanceRequestConcurrency: 40
          },
          traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }]
        }
      },
      flags: undefined,
      suffix: 'pr-42',
      timeout: '605s',
      tag: 'pr-42',
      noTraffic: true,
      revisionTraffic: [{ revision: 'LATEST', percent: 100 }],
      tagTraffic: undefined,
      execute: false,
      wait: false,
      waitTimeoutMs: 5_400_000,
      iamPropagationTimeoutMs: 90_000,
      prComment: true,
      githubToken: 'ghs_token',
      universe: 'googleapis.com',
      endpoints: DEFAULT_ENDPOINTS,
      notices: []
    })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.target)).toBe(true)
    expect(Object.isFrozen(config.image)).toBe(true)
    expect(Object.isFrozen(config.metadata)).toBe(true)
    expect(Object.isFrozen(config.endpoints)).toBe(true)
  })

  test('fills the defaults', () => {
    expect(readConfig(fakeSource(BASE))).toEqual({
      target: { kind: 'service', name: 'api' },
      image: expect.objectContaining({ raw: BASE['image'] }),
      projectId: 'my-project',
      projectIdSource: 'input',
      regions: ['us-central1'],
      workloadIdentityProvider: undefined,
      serviceAccount: undefined,
      serviceAgentAccess: 'check',
      dryRun: false,
      container: undefined,
      env: undefined,
      secrets: undefined,
      labels: undefined,
      defaultLabels: new Map([['managed-by', 'cloud-run-deploy-action']]),
      runtimeServiceAccount: undefined,
      metadata: undefined,
      flags: undefined,
      suffix: undefined,
      timeout: undefined,
      tag: undefined,
      noTraffic: false,
      revisionTraffic: undefined,
      tagTraffic: undefined,
      execute: false,
      wait: true,
      waitTimeoutMs: 600_000,
      iamPropagationTimeoutMs: 420_000,
      prComment: false,
      githubToken: '',
      universe: 'googleapis.com',
      endpoints: DEFAULT_ENDPOINTS,
      notices: []
    })
  })

  test.each<[string, Inputs, { kind: string; name: string }]>([
    ['a job', { job: 'nightly-batch', execute: 'true' }, { kind: 'job', name: 'nightly-batch' }],
    ['a worker pool', { worker_pool: 'consumer' }, { kind: 'workerPool', name: 'consumer' }],
    [
      'a 49-character service',
      { service: `a${'b'.repeat(48)}` },
      { kind: 'service', name: `a${'b'.repeat(48)}` }
    ],
    [
      'a 63-character job',
      { job: `a${'1'.repeat(62)}` },
      { kind: 'job', name: `a${'1'.repeat(62)}` }
    ]
  ])('deploys %s', (_, inputs, target) => {
    const rest = without(BASE, 'service')
    expect(readConfig(fakeSource({ ...rest, ...inputs })).target).toEqual(target)
  })

  test.each<[string, Inputs, NodeJS.ProcessEnv, Inputs, string, string]>([
    [
      'the input first',
      { project_id: 'from-input' },
      { CLOUDSDK_CORE_PROJECT: 'from-cloudsdk' },
      {},
      'from-input',
      'input'
    ],
    [
      'then CLOUDSDK_CORE_PROJECT',
      {},
      { CLOUDSDK_CORE_PROJECT: 'from-cloudsdk', GOOGLE_CLOUD_PROJECT: 'from-google' },
      {},
      'from-cloudsdk',
      'CLOUDSDK_CORE_PROJECT'
    ],
    [
      'then GOOGLE_CLOUD_PROJECT',
      {},
      {
        CLOUDSDK_CORE_PROJECT: '',
        GOOGLE_CLOUD_PROJECT: 'from-google',
        GCLOUD_PROJECT: 'from-gcloud'
      },
      {},
      'from-google',
      'GOOGLE_CLOUD_PROJECT'
    ],
    [
      'then GCLOUD_PROJECT',
      { service_account: 'sa@from-account.iam.gserviceaccount.com' },
      { GCLOUD_PROJECT: 'from-gcloud', GOOGLE_APPLICATION_CREDENTIALS: '/creds.json' },
      { '/creds.json': '{"project_id":"from-creds"}' },
      'from-gcloud',
      'GCLOUD_PROJECT'
    ],
    [
      "then the credentials file's project_id",
      { service_account: 'sa@from-account.iam.gserviceaccount.com' },
      { GOOGLE_APPLICATION_CREDENTIALS: '/creds.json' },
      { '/creds.json': '{"project_id":"from-creds","quota_project_id":"from-quota"}' },
      'from-creds',
      'credentials'
    ],
    [
      "then the credentials file's quota_project_id",
      {},
      { GOOGLE_APPLICATION_CREDENTIALS: '/creds.json' },
      { '/creds.json': '{"type":"external_account","quota_project_id":"from-quota"}' },
      'from-quota',
      'credentials'
    ],
    [
      'then the service account, past an unreadable credentials file',
      { service_account: 'sa@from-account.iam.gserviceaccount.com' },
      { GOOGLE_APPLICATION_CREDENTIALS: '/no/such/file.json' },
      {},
      'from-account',
      'service_account'
    ],
    [
      'past a credentials file that is not JSON',
      { service_account: 'sa@from-account.iam.gserviceaccount.com' },
      { GOOGLE_APPLICATION_CREDENTIALS: '/creds.json' },
      { '/creds.json': 'not json' },
      'from-account',
      'service_account'
    ],
    [
      'a domain-scoped project',
      { project_id: 'example.com:my-proj' },
      {},
      {},
      'example.com:my-proj',
      'input'
    ]
  ])('infers the project: %s', (_, inputs, env, files, projectId, projectIdSource) => {
    const rest = without(BASE, 'project_id')
    const config = readConfig(fakeSource({ ...rest, ...inputs }, env, files))
    expect({ projectId: config.projectId, projectIdSource: config.projectIdSource }).toEqual({
      projectId,
      projectIdSource
    })
  })

  test.each<[string, number]>([
    ['90', 90_000],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2m30s', 150_000],
    ['1h', 3_600_000],
    ['24h', 86_400_000]
  ])('reads the duration %s', (text, ms) => {
    expect(readConfig(fakeSource({ ...BASE, wait_timeout: text })).waitTimeoutMs).toBe(ms)
  })

  test.each([
    ['service.yaml', 'service'],
    ['worker-pool.yaml', 'worker_pool'],
    ['job.json', 'job']
  ])('reads the metadata file %s for a %s', (file, input) => {
    const rest = without(BASE, 'service')
    const config = readConfig(fakeSource({ ...rest, [input]: 'target', metadata: fixture(file) }))
    expect(config.metadata?.path).toBe(fixture(file))
    expect(config.metadata?.resource.template).toBeDefined()
  })

  test('reads a v2 Job from JSON with its task template', () => {
    const rest = without(BASE, 'service')
    const config = readConfig(fakeSource({ ...rest, job: 'batch', metadata: fixture('job.json') }))
    expect(config.metadata?.resource).toEqual({
      labels: { team: 'batch' },
      template: {
        taskCount: 3,
        parallelism: 1,
        template: {
          maxRetries: 2,
          timeout: '600s',
          containers: [{ name: 'worker', args: ['--once'] }]
        }
      }
    })
  })

  test('accepts a well-formed region it does not know, for main to warn about', () => {
    expect(KNOWN_CLOUD_RUN_REGIONS.has('us-central1')).toBe(true)
    expect(KNOWN_CLOUD_RUN_REGIONS.has('mars-north1')).toBe(false)
    expect(readConfig(fakeSource({ ...BASE, region: 'mars-north1' })).regions).toEqual([
      'mars-north1'
    ])
  })

  test('takes endpoint overrides from the environment', () => {
    const env = { CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN: 'http://localhost:8080' }
    expect(readConfig(fakeSource(BASE, env)).endpoints.RUN).toBe('http://localhost:8080/')
  })
})

describe('readConfig rejects', () => {
  const noTarget = without(BASE, 'service')
  const longName = `a${'b'.repeat(49)}`

  test.each<[string, Inputs, string, string]>([
    // service, job, worker_pool
    ['no target', noTarget, 'service', 'expected exactly one of service, job or worker_pool'],
    [
      'two targets',
      { ...BASE, job: 'batch' },
      'service',
      'got "service=api, job=batch"; expected exactly one of service, job or worker_pool'
    ],
    ['an upper-case service name', { ...BASE, service: 'Api' }, 'service', 'lower-case letters'],
    ['a service name ending with a hyphen', { ...BASE, service: 'api-' }, 'service', 'not ending'],
    ['a service name starting with a digit', { ...BASE, service: '1api' }, 'service', 'starting'],
    ['a 50-character service name', { ...BASE, service: longName }, 'service', 'at most 49'],
    [
      'a 50-character worker pool name',
      { ...noTarget, worker_pool: longName },
      'worker_pool',
      'at most 49'
    ],
    ['a 64-character job name', { ...noTarget, job: `a${'b'.repeat(63)}` }, 'job', 'at most 63'],
    ['an underscore in a job name', { ...noTarget, job: 'my_job' }, 'job', 'hyphens'],
    // image
    ['no image', { ...BASE, image: '' }, 'image', 'a container image such as'],
    [
      'a bad tag',
      { ...BASE, image: 'nginx:Bad Tag' },
      'image',
      'got "nginx:Bad Tag"; expected a container image reference (tag "Bad Tag" must match'
    ],
    [
      'an image with a scheme',
      { ...BASE, image: 'https://gcr.io/my-project/x' },
      'image',
      'scheme'
    ],
    // project_id
    [
      'a project number',
      { ...BASE, project_id: '123456789012' },
      'project_id',
      'not the project number'
    ],
    ['a short project ID', { ...BASE, project_id: 'abc' }, 'project_id', '6 to 30'],
    ['an upper-case project ID', { ...BASE, project_id: 'My-Project' }, 'project_id', 'lower-case'],
    [
      'a bad project domain',
      { ...BASE, project_id: 'example:my-proj' },
      'project_id',
      'domain-scoped'
    ],
    // region
    ['a zone', { ...BASE, region: 'us-central1-a' }, 'region', 'not a zone'],
    [
      'an upper-case region',
      { ...BASE, region: 'US-CENTRAL1' },
      'region',
      'lower-case Cloud Run region'
    ],
    ['a multi-region', { ...BASE, region: 'us' }, 'region', 'such as us-central1'],
    ['global', { ...BASE, region: 'global' }, 'region', 'such as us-central1'],
    // workload_identity_provider
    [
      'a provider with a project ID',
      {
        ...BASE,
        workload_identity_provider:
          'projects/my-project/locations/global/workloadIdentityPools/github/providers/my-repo'
      },
      'workload_identity_provider',
      'with the project number, not the project ID; gcloud projects describe my-project'
    ],
    [
      'a provider as an audience',
      {
        ...BASE,
        workload_identity_provider:
          '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/github/providers/my-repo'
      },
      'workload_identity_provider',
      'without "//iam.googleapis.com/"'
    ],
    [
      'a pool only',
      {
        ...BASE,
        workload_identity_provider: 'projects/1/locations/global/workloadIdentityPools/github'
      },
      'workload_identity_provider',
      'projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER'
    ],
    // service_account
    [
      'a service account name only',
      { ...BASE, service_account: 'deployer' },
      'service_account',
      'email'
    ],
    [
      'a service account with a space',
      { ...BASE, service_account: 'a b@c.com' },
      'service_account',
      'email'
    ],
    // service_agent_access
    [
      'an unknown service agent mode',
      { ...BASE, service_agent_access: 'fix' },
      'service_agent_access',
      'check, grant or skip'
    ],
    // booleans
    ['yes for dry_run', { ...BASE, dry_run: 'yes' }, 'dry_run', 'expected true or false'],
    ['1 for no_traffic', { ...BASE, no_traffic: '1' }, 'no_traffic', 'expected true or false'],
    [
      'tRUE for execute',
      { ...noTarget, job: 'batch', execute: 'tRUE' },
      'execute',
      'expected true or false'
    ],
    ['on for wait', { ...BASE, wait: 'on' }, 'wait', 'expected true or false'],
    ['y for pr_comment', { ...BASE, pr_comment: 'y' }, 'pr_comment', 'expected true or false'],
    [
      'no_traffic for a job',
      { ...noTarget, job: 'batch', no_traffic: 'true' },
      'no_traffic',
      'applies only to a Service, and this deploys the Job "batch"'
    ],
    ['execute for a service', { ...BASE, execute: 'true' }, 'execute', 'applies only to a Job'],
    [
      'execute for a worker pool',
      { ...noTarget, worker_pool: 'pool', execute: 'true' },
      'execute',
      'this deploys the WorkerPool "pool"'
    ],
    // update strategies
    [
      'replace for env vars',
      { ...BASE, env_vars_update_strategy: 'replace' },
      'env_vars_update_strategy',
      'merge or overwrite'
    ],
    [
      'Merge for secrets',
      { ...BASE, secrets_update_strategy: 'Merge' },
      'secrets_update_strategy',
      'merge or overwrite'
    ],
    // runtime_service_account
    [
      'a runtime account without a domain',
      { ...BASE, runtime_service_account: 'runtime@' },
      'runtime_service_account',
      'email'
    ],
    // metadata
    [
      'a missing metadata file',
      { ...BASE, metadata: fixture('missing.yaml') },
      'metadata',
      'a readable YAML or JSON file'
    ],
    [
      'an unparsable metadata file',
      { ...BASE, metadata: fixture('unparsable.txt') },
      'metadata',
      'expected valid YAML or JSON (line 6: Flow sequence in block collection'
    ],
    [
      'a metadata list',
      { ...BASE, metadata: fixture('list.yaml') },
      'metadata',
      'a YAML or JSON object'
    ],
    [
      'a Job for a service',
      { ...BASE, metadata: fixture('job.json') },
      'metadata',
      'a Cloud Run Service resource, but the file holds a Job (it has template.template)'
    ],
    [
      'a Job for a worker pool',
      { ...noTarget, worker_pool: 'pool', metadata: fixture('job.json') },
      'metadata',
      'a Cloud Run WorkerPool resource, but the file holds a Job'
    ],
    [
      'a Service for a job',
      { ...noTarget, job: 'batch', metadata: fixture('service.yaml') },
      'metadata',
      'a Cloud Run Job resource, but the file holds a Service (it has traffic)'
    ],
    [
      'a WorkerPool for a service',
      { ...BASE, metadata: fixture('worker-pool.yaml') },
      'metadata',
      'a Cloud Run Service resource, but the file holds a WorkerPool (it has instanceSplits)'
    ],
    [
      'a WorkerPool for a job',
      { ...noTarget, job: 'batch', metadata: fixture('worker-pool.yaml') },
      'metadata',
      'the file holds a WorkerPool'
    ],
    // tag
    [
      'a tag for a job',
      { ...noTarget, job: 'batch', tag: 'pr-1' },
      'tag',
      'no tag: tag applies only to a Service'
    ],
    ['an upper-case tag', { ...BASE, tag: 'PR-1' }, 'tag', 'a revision tag'],
    ['a tag starting with a digit', { ...BASE, tag: '42' }, 'tag', 'starting with a letter'],
    ['a 47-character tag', { ...BASE, tag: `a${'b'.repeat(46)}` }, 'tag', 'at most 46'],
    // durations
    [
      'a zero timeout',
      { ...BASE, wait_timeout: '0' },
      'wait_timeout',
      'a duration such as 90s, 5m or 1h30m'
    ],
    ['a negative timeout', { ...BASE, wait_timeout: '-5m' }, 'wait_timeout', 'a duration such as'],
    [
      'a fractional timeout',
      { ...BASE, wait_timeout: '1.5m' },
      'wait_timeout',
      'a duration such as'
    ],
    [
      'a timeout out of order',
      { ...BASE, wait_timeout: '30s2m' },
      'wait_timeout',
      'a duration such as'
    ],
    ['a timeout in days', { ...BASE, wait_timeout: '2d' }, 'wait_timeout', 'a duration such as'],
    ['a timeout over a day', { ...BASE, wait_timeout: '25h' }, 'wait_timeout', 'at most 24h'],
    [
      'a garbage propagation timeout',
      { ...BASE, iam_propagation_timeout: 'soon' },
      'iam_propagation_timeout',
      'a duration such as'
    ],
    [
      'zero minutes of propagation',
      { ...BASE, iam_propagation_timeout: '0m' },
      'iam_propagation_timeout',
      'more than zero'
    ],
    // universe
    [
      'a bad universe',
      { ...BASE, universe: 'https://googleapis.com' },
      'universe',
      'a domain such as googleapis.com'
    ]
  ])('%s', (_, inputs, input, message) => {
    const error = errorOf(inputs)
    expect(error.input).toBe(input)
    expect(error.message).toContain(message)
    expect(error.message).not.toContain('\n')
    expect(error.message).toMatch(new RegExp(`^Input ${input}: got `))
  })

  test('a project that cannot be inferred, saying how to set it', () => {
    const rest = without(BASE, 'project_id')
    const error = errorOf({ ...rest, service_account: 'someone@example.com' })
    expect(error.input).toBe('project_id')
    expect(error.message).toContain('could not be inferred')
    expect(error.message).toContain('set project_id')
    expect(error.message).not.toContain('\n')
  })

  test('an invalid inferred project, naming where it came from', () => {
    const rest = without(BASE, 'project_id')
    const error = errorOf(rest, { GOOGLE_CLOUD_PROJECT: '123' })
    expect(error.input).toBe('project_id')
    expect(error.message).toContain('(the value came from GOOGLE_CLOUD_PROJECT)')
  })

  test('an endpoint override over plain http to a remote host', () => {
    const error = errorOf(BASE, { CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN: 'http://run.example.com' })
    expect(error.input).toBe('CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN')
  })

  test('the first problem, in the order of the inputs', () => {
    const error = errorOf({ ...BASE, region: 'us', dry_run: 'maybe', tag: 'BAD' })
    expect(error.input).toBe('region')
  })

  test('an env var value never appears in an error', () => {
    for (const env_vars of [
      'PASSWORD=hunter2,PORT=8080\nhunter3',
      'hunter2',
      'PASSWORD=hunt,er2',
      'A=1,=hunter2'
    ]) {
      expect(entryErrorOf({ ...BASE, env_vars }).message).not.toMatch(/hunt|er2/)
    }
  })
})

/** The entry errors of KEY=VALUE inputs: the input, the entry's position and key, never a value. */
function entryErrorOf(inputs: Inputs): InputEntryError {
  try {
    readConfig(fakeSource(inputs))
  } catch (error) {
    if (error instanceof InputEntryError) return error
    throw error
  }
  throw new Error('readConfig accepted the inputs')
}

describe('readConfig rejects an entry of a list input', () => {
  test.each<[string, Inputs, string]>([
    [
      'an entry without =',
      { ...BASE, env_vars: 'A=1\nsecretvalue' },
      'Input env_vars: entry 2: expected KEY=VALUE'
    ],
    [
      'an empty key',
      { ...BASE, env_vars: '=value' },
      'Input env_vars: entry 1: expected a KEY before "="'
    ],
    [
      'a key with whitespace',
      { ...BASE, env_vars: 'MY KEY=v' },
      'Input env_vars: entry 1: expected a variable name'
    ],
    [
      'PORT',
      { ...BASE, env_vars: 'A=1,PORT=8080' },
      'Input env_vars: entry 2 (PORT): expected a name other than PORT'
    ],
    ['K_SERVICE', { ...BASE, env_vars: 'K_SERVICE=x' }, 'Cloud Run sets these itself'],
    ['CLOUD_RUN_WORKER_POOL', { ...BASE, env_vars: 'CLOUD_RUN_WORKER_POOL=x' }, 'Cloud Run sets'],
    [
      'a secret without =',
      { ...BASE, secrets: 'API_KEY' },
      'Input secrets: entry 1: expected KEY=VALUE'
    ],
    [
      'a reserved secret key',
      { ...BASE, secrets: 'PORT=s' },
      'entry 1 (PORT): expected a name other than PORT'
    ],
    ['a relative mount path', { ...BASE, secrets: 'secrets/key=s' }, 'an absolute file path'],
    ['a mount at the root', { ...BASE, secrets: '/key=s' }, 'a directory and a file name'],
    ['a mount path with ..', { ...BASE, secrets: '/a/../b=s' }, 'absolute file path'],
    ['a mount path ending with /', { ...BASE, secrets: '/a/b/=s' }, 'absolute file path'],
    [
      'version 0',
      { ...BASE, secrets: 'K=s:0' },
      'Input secrets: entry 1 (K): expected a secret reference'
    ],
    ['an empty secret', { ...BASE, secrets: 'K=' }, 'entry 1 (K)'],
    ['a bad secret name', { ...BASE, secrets: 'K=my.secret' }, 'SECRET is 1 to 255 letters'],
    [
      'a secret path without a name',
      { ...BASE, secrets: 'K=projects/my-project/s' },
      'entry 1 (K)'
    ],
    [
      'an upper-case label key',
      { ...BASE, labels: 'Team=x' },
      'Input labels: entry 1 (Team): expected label keys'
    ],
    ['a label key with a dot', { ...BASE, labels: 'run.googleapis.com/x=y' }, 'label keys'],
    ['a label key starting with a digit', { ...BASE, labels: '1team=x' }, 'starting with a letter'],
    [
      'an upper-case label value',
      { ...BASE, labels: 'team=Payments' },
      'Input labels: entry 1 (team): expected label values'
    ],
    ['a 64-character label value', { ...BASE, labels: `team=${'a'.repeat(64)}` }, 'at most 63']
  ])('%s', (_, inputs, message) => {
    const error = entryErrorOf(inputs)
    expect(error.message).toContain(message)
    expect(error.message).not.toContain('\n')
  })

  test.each<[string, Inputs, string, RegExp]>([
    [
      'a duplicate key keeps the last value, as deploy-cloudrun',
      { ...BASE, env_vars: 'A=1,A=2' },
      'A',
      /^2$/
    ],
    ['a version alias', { ...BASE, secrets: 'K=s:prod' }, 'K', /^prod$/]
  ])('accepts %s', (_, inputs, key, value) => {
    const config = readConfig(fakeSource(inputs))
    const got = config.env?.values.get(key) ?? config.secrets?.values.get(key)?.version
    expect(got).toMatch(value)
  })
})

describe('readConfig, deploy-cloudrun compatibility', () => {
  test('a metadata file on its own names the resource and its image, as deploy-cloudrun takes it', () => {
    const config = readConfig(
      fakeSource({ project_id: 'my-project', metadata: fixture('knative-v1.yaml') })
    )
    expect(config.target).toEqual({ kind: 'service', name: 'api' })
    expect(config.image.raw).toBe('us-docker.pkg.dev/my-project/repo/api')
  })

  test('a Knative v1 manifest is converted to the v2 resource', () => {
    const config = readConfig(fakeSource({ ...BASE, metadata: fixture('knative-v1.yaml') }))
    expect(config.metadata?.dialect).toBe('knative')
    expect(config.metadata?.resource).toMatchObject({
      template: { containers: [{ image: 'us-docker.pkg.dev/my-project/repo/api' }] }
    })
  })

  test.each<[string, Inputs, Partial<Record<string, unknown>>]>([
    [
      'several regions',
      { region: 'us-central1, europe-west1,asia-northeast1' },
      { regions: ['us-central1', 'europe-west1', 'asia-northeast1'] }
    ],
    ['a timeout in seconds', { timeout: '300' }, { timeout: '300s' }],
    ['tag_traffic', { tag_traffic: 'canary=10' }, { tagTraffic: [{ tag: 'canary', percent: 10 }] }],
    [
      '--to-latest',
      { update_traffic_flags: '--to-latest' },
      { revisionTraffic: [{ revision: 'LATEST', percent: 100 }] }
    ],
    ['no default labels', { skip_default_labels: 'true' }, { defaultLabels: new Map() }],
    [
      'gcloud_version, ignored with a notice',
      { gcloud_version: '500.0.0' },
      { notices: [expect.stringContaining('gcloud_version is ignored')] }
    ]
  ])('%s', (_, inputs, expected) => {
    expect(readConfig(fakeSource({ ...BASE, ...inputs }))).toMatchObject(expected)
  })

  test('flags: values, dedicated inputs and extra permissions', () => {
    const config = readConfig(
      fakeSource({
        ...BASE,
        flags: '--memory=1Gi --set-env-vars=A=1 --allow-unauthenticated --revision-suffix=v2'
      })
    )
    expect(config.env).toEqual({ strategy: 'overwrite', values: new Map([['A', '1']]), remove: [] })
    expect(config.suffix).toBe('v2')
    expect(config.flags?.allowUnauthenticated).toBe(true)
    expect(config.flags?.permissions).toContain('run.services.setIamPolicy')
    expect(config.flags?.fields).toContainEqual(
      expect.objectContaining({
        scope: 'container',
        path: ['resources', 'limits', 'memory'],
        value: '1Gi'
      })
    )
  })

  test.each<[string, Inputs, RegExp]>([
    [
      'a flag that repeats an input',
      { flags: '--set-env-vars=A=1', env_vars: 'B=2' },
      /--set-env-vars repeats the input env_vars/
    ],
    ['--tag and tag', { flags: '--tag=x', tag: 'y' }, /--tag repeats the input tag/],
    ['source', { source: '.' }, /Input source: .*Build and push it first/],
    [
      'revision_traffic and tag_traffic',
      { revision_traffic: 'LATEST=100', tag_traffic: 'a=1' },
      /one of the two/
    ],
    ['traffic over 100', { revision_traffic: 'a=60,b=50' }, /at most 100, not 110/],
    [
      'update_traffic_flags and revision_traffic',
      { update_traffic_flags: '--to-latest', revision_traffic: 'LATEST=100' },
      /repeats the input revision_traffic/
    ],
    [
      'a tag-management traffic flag',
      { update_traffic_flags: '--set-tags=a=b' },
      /entry 1 \(--set-tags\)/
    ],
    [
      'a timeout for a job',
      { service: '', job: 'j', timeout: '1m' },
      /task timeout is flags: --task-timeout/
    ],
    ['a suffix for a job', { service: '', job: 'j', suffix: 'v1' }, /a job has no revisions/],
    ['a repeated region', { region: 'us-central1,us-central1' }, /us-central1 repeats/],
    ['an unsupported flag', { flags: '--mesh=x' }, /--mesh/]
  ])('refuses %s', (_, inputs, message) => {
    expect(() => readConfig(fakeSource({ ...BASE, ...inputs }))).toThrow(ActionError)
    expect(() => readConfig(fakeSource({ ...BASE, ...inputs }))).toThrow(message)
  })
})
