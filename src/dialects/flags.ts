/**
 * deploy-cloudrun's `flags` input — extra `gcloud run deploy` / `gcloud run jobs deploy` /
 * `gcloud run worker-pools deploy` flags — translated into the Cloud Run Admin API v2 fields gcloud itself
 * would set. Pure: no I/O, no clock, nothing read from the environment.
 *
 * Sources (gcloud 578.0.0, google-cloud-sdk-unofficial/google-cloud-sdk, lib/):
 * - googlecloudsdk/command_lib/run/flags.py: each flag's type and validation, and
 *   GetServiceConfigurationChanges / GetJobConfigurationChanges (which change each flag makes);
 * - googlecloudsdk/command_lib/run/config_changes.py: what those changes write (v1 annotations and fields);
 * - googlecloudsdk/command_lib/run/v2/{flags_parser,config_changes}.py: the same for worker pools, in v2 terms;
 * - surface/run/{deploy,jobs/deploy,jobs/update,worker_pools/deploy,worker_pools/update}.py: which command
 *   has which flag; reference pages https://cloud.google.com/sdk/gcloud/reference/run/deploy,
 *   .../run/jobs/deploy and .../beta/run/worker-pools/deploy;
 * - googlecloudsdk/calliope/arg_parsers.py: ArgList / ArgDict (comma lists, `^DELIM^`), Duration;
 *   googlecloudsdk/core/util/iso_duration.py: the duration grammar.
 * The v1 → v2 field correspondence is the one of googleapis' run v2 types (RevisionTemplate, TaskTemplate,
 * ExecutionTemplate, Container, ResourceRequirements, VpcAccess, ...). docs/flags.md is the user's table.
 */
import type { ResourceKind } from '../config.js'
import { ActionError, InputEntryError } from '../errors.js'

import {
  DICT_RULE,
  Expected,
  LIST_RULE,
  splitFlags,
  splitGcloudDict,
  splitGcloudList,
  gcloudDuration,
  type CloudSqlEdit,
  type EntriesFlag,
  type FieldScope,
  type FieldSetting,
  type FlagsTranslation
} from './gcloud.js'

// What tests and the docs read from here, whichever module holds it.
export * from './gcloud.js'
export { applyCloudSql, applyFieldSettings, type CloudSqlPod } from '../deploy/fieldSettings.js'

const INPUT = 'flags'
const KIND_NAME: Readonly<Record<ResourceKind, string>> = {
  service: 'service',
  job: 'job',
  workerPool: 'worker pool'
}

function count(value: string, minimum: number, rule: string): number {
  if (!/^\d+$/.test(value) || Number(value) < minimum || Number(value) > 2147483647) {
    throw new Expected(rule)
  }
  return Number(value)
}

/** ScaleValue (flags.py): a count ≥ 0 or 'default'. */
function scale(value: string): number | 'default' {
  return value === 'default'
    ? value
    : count(value, 0, "an instance count of 0 or more, or 'default'")
}

// Kubernetes quantities (the v2 `limits` values); the ranges are Cloud Run's to check.
const MEMORY = /^(?:\d+(?:\.\d+)?|\.\d+)(?:Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/
const CPU = /^(?:(?:\d+(?:\.\d+)?|\.\d+)|\d+m)$/

function oneOf<T>(value: string, choices: Readonly<Record<string, T>>): T {
  const found = Object.prototype.hasOwnProperty.call(choices, value) ? choices[value] : undefined
  if (found === undefined) throw new Expected(`one of ${Object.keys(choices).join(', ')}`)
  return found
}

// ---------------------------------------------------------------------------------------------------------
// The flag table

type EntriesGroup = 'envVars' | 'secrets' | 'labels'

interface Draft {
  fields: FieldSetting[]
  entries: Partial<
    Record<
      EntriesGroup,
      {
        strategy: 'merge' | 'overwrite'
        entries: [string, string][]
        remove: string[]
        flags: string[]
      }
    >
  >
  runtimeServiceAccount?: string
  suffix?: string
  timeout?: string
  tag?: string
  noTraffic?: boolean
  cloudSql?: CloudSqlEdit
  allowUnauthenticated?: boolean
  permissions: Set<string>
  /** Facts the cross-flag rules need (checkCombinations, defaults). */
  gpuRemoved?: boolean
  manualScaling?: boolean
  portCleared?: boolean
  http2?: boolean
}

/** What a flag's handler may do: set fields (in its own name) and fill the draft. */
interface Context {
  readonly kind: ResourceKind
  readonly flag: string
  readonly draft: Draft
  set(scope: FieldScope, path: string, value: unknown): void
}

interface ValueFlag {
  readonly takes: 'value'
  readonly kinds: readonly ResourceKind[]
  readonly apply: (value: string, context: Context) => void
  /** For a kind the flag is not for: what to use instead. */
  readonly instead?: Partial<Record<ResourceKind, string>>
}
interface SwitchFlag {
  /** 'switch': only `--flag`; 'negatable': `--flag` and `--no-flag` (gcloud's StoreTrueFalseAction). */
  readonly takes: 'switch' | 'negatable'
  readonly kinds: readonly ResourceKind[]
  readonly apply: (on: boolean, context: Context) => void
  readonly instead?: Partial<Record<ResourceKind, string>>
}
type FlagSpec = ValueFlag | SwitchFlag

const ALL: readonly ResourceKind[] = ['service', 'job', 'workerPool']
const SERVICE: readonly ResourceKind[] = ['service']
const JOB: readonly ResourceKind[] = ['job']
const SERVICE_JOB: readonly ResourceKind[] = ['service', 'job']
const SERVICE_POOL: readonly ResourceKind[] = ['service', 'workerPool']

const value = (
  kinds: readonly ResourceKind[],
  apply: ValueFlag['apply'],
  instead?: ValueFlag['instead']
): ValueFlag => ({
  takes: 'value',
  kinds,
  apply,
  ...(instead ? { instead } : {})
})
const negatable = (
  kinds: readonly ResourceKind[],
  apply: SwitchFlag['apply'],
  instead?: SwitchFlag['instead']
): SwitchFlag => ({ takes: 'negatable', kinds, apply, ...(instead ? { instead } : {}) })
const switchOnly = (kinds: readonly ResourceKind[], apply: SwitchFlag['apply']): SwitchFlag => ({
  takes: 'switch',
  kinds,
  apply
})
const NO_INVOKER = {
  job: 'a job has no URL to invoke: it runs when executed',
  workerPool: 'a worker pool has no URL to invoke'
}

/** The path of the one network interface gcloud manages (VpcAccessChanges: "only single network interface"). */
const NIC = 'vpcAccess.networkInterfaces.0'
const SET_IAM = 'run.services.setIamPolicy'

function entriesFlag(
  group: EntriesGroup,
  action: 'set' | 'update' | 'remove' | 'clear'
): ValueFlag | SwitchFlag {
  const apply = (input: string | undefined, context: Context) => {
    const draft = (context.draft.entries[group] ??= {
      strategy: 'merge',
      entries: [],
      remove: [],
      flags: []
    })
    draft.flags.push(context.flag)
    if (action === 'clear' || action === 'set') draft.strategy = 'overwrite'
    if (input === undefined) return
    if (action === 'remove') {
      // flags.MapLStrip: remove keys are left-stripped.
      draft.remove = splitGcloudList(input).map(key => key.trimStart())
      if (draft.remove.length === 0 || draft.remove.some(key => key === '')) {
        throw new Expected(`one or more KEYs, ${LIST_RULE}`)
      }
      if (group === 'secrets') noSecretFilesInWorkerPool(context.kind, draft.remove)
      return
    }
    // flags.StripKeys strips env var and secret keys; labels_util keeps label keys as given.
    const pairs = splitGcloudDict(input, group !== 'labels')
    // gcloud ignores an empty --set-env-vars; here "overwrite with nothing" would delete every variable.
    if (pairs.length === 0) throw new Expected(`one or more ${DICT_RULE}`)
    if (group === 'envVars') {
      for (const [key] of pairs) {
        // env_vars_util.EnvVarKeyType (functions/v2/deploy/env_vars_util.py, used by run's flags).
        if (key.startsWith('X_GOOGLE_'))
          throw new Expected(`names not starting with X_GOOGLE_ (reserved); "${key}" does`)
      }
    }
    if (group === 'secrets')
      noSecretFilesInWorkerPool(
        context.kind,
        pairs.map(([key]) => key)
      )
    draft.entries = pairs
  }
  return action === 'clear'
    ? switchOnly(ALL, (_on, context) => apply(undefined, context))
    : value(ALL, apply)
}

function noSecretFilesInWorkerPool(kind: ResourceKind, keys: readonly string[]): void {
  // v2/flags_parser.py _GetSecretsChanges: "Secrets volume mount is not supported for Worker Pools yet."
  if (kind === 'workerPool' && keys.some(key => key.startsWith('/'))) {
    throw new Expected(
      'environment variable names only: a worker pool cannot mount secrets as files'
    )
  }
}

function cloudSqlFlag(op: CloudSqlEdit['op']): FlagSpec {
  const apply = (input: string | undefined, context: Context) => {
    const instances = input === undefined ? [] : splitGcloudList(input)
    if (op !== 'clear' && instances.length === 0)
      throw new Expected(`one or more instances, ${LIST_RULE}`)
    for (const instance of instances) {
      // config_changes.CloudSQLChanges.Augment: PROJECT:REGION:INSTANCE, or a plain name.
      const parts = instance.split(':')
      if (!(parts.length === 1 || parts.length === 3) || parts.some(part => part.trim() === '')) {
        throw new Expected(
          'Cloud SQL instances as PROJECT:REGION:INSTANCE or a plain instance name'
        )
      }
    }
    context.draft.cloudSql = { op, instances }
  }
  return op === 'clear'
    ? switchOnly(ALL, (_on, context) => apply(undefined, context))
    : value(ALL, apply)
}

function invoker(context: Context, disabled: boolean): void {
  // https://cloud.google.com/run/docs/authenticating/public: disabling or re-enabling the invoker IAM check
  // needs run.services.create, run.services.update and run.services.setIamPolicy (roles/run.admin).
  context.set('resource', 'invokerIamDisabled', disabled)
  context.draft.permissions.add(SET_IAM)
}

const INGRESS = {
  all: 'INGRESS_TRAFFIC_ALL',
  internal: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
  'internal-and-cloud-load-balancing': 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER'
} as const
const EGRESS = {
  'all-traffic': 'ALL_TRAFFIC',
  'private-ranges-only': 'PRIVATE_RANGES_ONLY',
  all: 'ALL_TRAFFIC' // deprecated alias of all-traffic (flags.py AddEgressSettingsFlag)
} as const
const EXECUTION_ENVIRONMENT = {
  gen1: 'EXECUTION_ENVIRONMENT_GEN1',
  gen2: 'EXECUTION_ENVIRONMENT_GEN2'
} as const

const SUPPORTED: Readonly<Record<string, FlagSpec>> = {
  // Resources (config_changes.ResourceChanges; v2: Container.resources.limits).
  '--cpu': value(ALL, (input, c) => {
    if (!CPU.test(input) || parseFloat(input) <= 0) {
      throw new Expected('a CPU count such as 1, 2, 4, 0.5 or 500m')
    }
    c.set('container', 'resources.limits.cpu', input)
  }),
  '--memory': value(ALL, (input, c) => {
    if (!MEMORY.test(input) || parseFloat(input) <= 0) {
      throw new Expected('a memory size such as 512Mi or 2Gi (a Kubernetes quantity)')
    }
    c.set('container', 'resources.limits.memory', input)
  }),
  '--gpu': value(ALL, (input, c) => {
    count(input, 0, 'a GPU count (Cloud Run supports 0 or 1)')
    if (/^0+$/.test(input)) {
      // --gpu=0 also drops the GPU type and zonal redundancy (flags.py _GetConfigurationChanges).
      c.set('container', 'resources.limits.nvidia\u0000com/gpu', undefined)
      c.set('revision', 'nodeSelector', undefined)
      c.set('revision', 'gpuZonalRedundancyDisabled', undefined)
      c.draft.gpuRemoved = true
    } else {
      c.set('container', 'resources.limits.nvidia\u0000com/gpu', String(Number(input)))
    }
  }),
  '--gpu-type': value(ALL, (input, c) => {
    if (input === '') throw new Expected('a GPU type such as nvidia-l4')
    c.set('revision', 'nodeSelector.accelerator', input)
  }),
  '--gpu-zonal-redundancy': negatable(ALL, (on, c) =>
    c.set('revision', 'gpuZonalRedundancyDisabled', !on)
  ),
  // CPU allocation (v1 annotations run.googleapis.com/cpu-throttling, /startup-cpu-boost; v2 Container.resources).
  '--cpu-throttling': negatable(SERVICE, (on, c) => c.set('container', 'resources.cpuIdle', on)),
  '--cpu-boost': negatable(SERVICE, (on, c) => c.set('container', 'resources.startupCpuBoost', on)),

  // Scaling.
  '--concurrency': value(SERVICE, (input, c) => {
    // flags._ConcurrencyValue: an integer > 0 or 'default' (ConcurrencyChanges clears it).
    const concurrency =
      input === 'default' ? undefined : count(input, 1, "an integer greater than 0, or 'default'")
    c.set('revision', 'maxInstanceRequestConcurrency', concurrency)
  }),
  '--min-instances': value(
    SERVICE,
    (input, c) => {
      // _GetScalingChanges: 0 or 'default' deletes the minScale annotation.
      const min = scale(input)
      c.set(
        'revision',
        'scaling.minInstanceCount',
        min === 'default' || min === 0 ? undefined : min
      )
    },
    { workerPool: 'a worker pool has a fixed instance count: use --instances' }
  ),
  '--max-instances': value(
    SERVICE,
    (input, c) => {
      const max = scale(input)
      c.set('revision', 'scaling.maxInstanceCount', max === 'default' ? undefined : max)
    },
    { workerPool: 'a worker pool has a fixed instance count: use --instances' }
  ),
  '--min': value(SERVICE, (input, c) => {
    // _GetServiceScalingChanges: service-level minimum (v1 run.googleapis.com/minScale; v2 Service.scaling).
    const min = scale(input)
    c.set('resource', 'scaling.minInstanceCount', min === 'default' || min === 0 ? undefined : min)
  }),
  '--max': value(SERVICE, (input, c) => {
    const max = scale(input)
    c.set('resource', 'scaling.maxInstanceCount', max === 'default' ? undefined : max)
  }),
  '--scaling': value(
    SERVICE,
    (input, c) => {
      // flags.ScalingValue and _GetServiceScalingChanges; v2 ServiceScaling.scalingMode AUTOMATIC | MANUAL.
      if (input === 'auto') {
        c.set('resource', 'scaling.scalingMode', 'AUTOMATIC')
        c.set('resource', 'scaling.manualInstanceCount', undefined)
        return
      }
      const instances = count(input, 0, "'auto' or an instance count of 0 or more")
      c.set('resource', 'scaling.scalingMode', 'MANUAL')
      c.set('resource', 'scaling.manualInstanceCount', instances)
      c.set('resource', 'scaling.minInstanceCount', undefined)
      c.set('resource', 'scaling.maxInstanceCount', undefined)
      c.draft.manualScaling = true
    },
    { workerPool: 'use --instances (gcloud deprecates --scaling for worker pools)' }
  ),
  '--instances': value(['workerPool'], (input, c) => {
    // flags.InstanceValue; v2 WorkerPoolInstancesChange → WorkerPool.scaling.manualInstanceCount.
    c.set(
      'resource',
      'scaling.manualInstanceCount',
      count(input, 0, 'an instance count of 0 or more')
    )
  }),

  // Requests.
  '--port': value(SERVICE, (input, c) => {
    // flags._PortValue; ContainerPortChange: 'default' unsets the port.
    if (input === 'default') {
      c.set('container', 'ports', undefined)
      c.draft.portCleared = true
      return
    }
    const port = count(input, 1, "a port from 1 to 65535, or 'default'")
    if (port > 65535) throw new Expected("a port from 1 to 65535, or 'default'")
    c.set('container', 'ports.0.containerPort', port)
  }),
  '--use-http2': negatable(SERVICE, (on, c) => {
    // ContainerPortChange: HTTP/2 is the port name h2c (a named port needs a number: see addDefaults).
    c.set('container', 'ports.0.name', on ? 'h2c' : undefined)
    c.draft.http2 = on
  }),
  '--timeout': value(SERVICE, (input, c) => {
    const timeout = gcloudDuration(input)
    c.set('revision', 'timeout', timeout)
    c.draft.timeout = timeout
  }),
  '--ingress': value(SERVICE, (input, c) => c.set('resource', 'ingress', oneOf(input, INGRESS))),
  '--session-affinity': negatable(SERVICE, (on, c) =>
    // --no-session-affinity deletes the annotation (flags.py): unset, i.e. off.
    c.set('revision', 'sessionAffinity', on ? true : undefined)
  ),
  '--default-url': negatable(SERVICE, (on, c) => c.set('resource', 'defaultUriDisabled', !on)),
  '--deploy-health-check': negatable(SERVICE, (on, c) =>
    c.set('revision', 'healthCheckDisabled', !on)
  ),
  '--allow-unauthenticated': negatable(
    SERVICE,
    (on, c) => {
      // gcloud adds or removes an allUsers roles/run.invoker binding after the deploy; here the v2 switch
      // Service.invokerIamDisabled does it in the deploy request itself (docs/flags.md explains why).
      c.draft.allowUnauthenticated = on
      invoker(c, on)
    },
    NO_INVOKER
  ),
  '--invoker-iam-check': negatable(SERVICE, (on, c) => invoker(c, !on), NO_INVOKER),
  '--description': value(SERVICE_POOL, (input, c) => c.set('resource', 'description', input)),

  // The container.
  '--command': value(ALL, (input, c) => {
    // ContainerCommandChange: '' resets to the image's ENTRYPOINT.
    const command = splitGcloudList(input)
    c.set('container', 'command', command.length ? command : undefined)
  }),
  '--args': value(ALL, (input, c) => {
    const args = splitGcloudList(input)
    c.set('container', 'args', args.length ? args : undefined)
  }),
  '--workdir': value(ALL, (input, c) =>
    c.set('container', 'workingDir', input === '' ? undefined : input)
  ),
  '--service-account': value(ALL, (input, c) => {
    if (input === '') throw new Expected('a service account email')
    c.draft.runtimeServiceAccount = input
  }),
  '--execution-environment': value(
    SERVICE_JOB,
    (input, c) => c.set('revision', 'executionEnvironment', oneOf(input, EXECUTION_ENVIRONMENT)),
    { workerPool: 'a worker pool has no execution environment setting' }
  ),
  '--revision-suffix': value(SERVICE_POOL, (input, c) => {
    if (input !== '' && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(input)) {
      throw new Expected(
        'lower-case letters, digits and hyphens, starting and ending with a letter or digit'
      )
    }
    c.draft.suffix = input
  }),
  '--tag': value(SERVICE, (input, c) => {
    if (input === '') throw new Expected('a revision tag')
    c.draft.tag = input
  }),
  '--no-traffic': switchOnly(SERVICE, (_on, c) => {
    c.draft.noTraffic = true
  }),

  // Jobs (GetJobConfigurationChanges; v2 Job.template = ExecutionTemplate, .template = TaskTemplate).
  '--tasks': value(JOB, (input, c) =>
    c.set('execution', 'taskCount', count(input, 1, 'an integer of 1 or more'))
  ),
  '--parallelism': value(JOB, (input, c) => {
    // "Set to 0 to unset": v2 treats 0 and unset alike (ExecutionTemplate.parallelism).
    const parallelism = count(input, 0, 'an integer of 0 or more')
    c.set('execution', 'parallelism', parallelism === 0 ? undefined : parallelism)
  }),
  '--max-retries': value(JOB, (input, c) =>
    c.set('revision', 'maxRetries', count(input, 0, 'an integer of 0 or more'))
  ),
  '--task-timeout': value(JOB, (input, c) => c.set('revision', 'timeout', gcloudDuration(input))),

  // Networking (v1 annotations vpc-access-connector, vpc-access-egress, network-interfaces; v2 VpcAccess).
  '--vpc-connector': value(
    SERVICE_JOB,
    (input, c) => {
      if (input === '')
        throw new Expected('a connector name, or projects/P/locations/L/connectors/C')
      // ASSUMPTION: v2 takes a bare connector name as v1's annotation did and as gcloud passes it; v2 echoes
      // bare names back (hashicorp/terraform-provider-google#17735, GoogleCloudPlatform/magic-modules#10332).
      c.set('revision', 'vpcAccess.connector', input)
    },
    { workerPool: 'a worker pool uses Direct VPC egress: use --network and --subnet' }
  ),
  '--clear-vpc-connector': switchOnly(SERVICE_JOB, (_on, c) => {
    // ClearVpcConnectorChange also drops the egress setting.
    c.set('revision', 'vpcAccess.connector', undefined)
    c.set('revision', 'vpcAccess.egress', undefined)
  }),
  '--vpc-egress': value(ALL, (input, c) =>
    c.set('revision', 'vpcAccess.egress', oneOf(input, EGRESS))
  ),
  '--network': value(ALL, (input, c) =>
    // NetworkInterfacesChange: an empty value clears the key.
    c.set('revision', `${NIC}.network`, input === '' ? undefined : input)
  ),
  '--subnet': value(ALL, (input, c) =>
    c.set('revision', `${NIC}.subnetwork`, input === '' ? undefined : input)
  ),
  '--network-tags': value(ALL, (input, c) => {
    const tags = splitGcloudList(input)
    c.set('revision', `${NIC}.tags`, tags.length ? tags : undefined)
  }),
  '--clear-network-tags': switchOnly(ALL, (_on, c) => c.set('revision', `${NIC}.tags`, undefined)),
  '--clear-network': switchOnly(ALL, (_on, c) => {
    // ClearNetworkInterfacesChange also drops the egress setting.
    c.set('revision', 'vpcAccess.networkInterfaces', undefined)
    c.set('revision', 'vpcAccess.egress', undefined)
  }),

  // Cloud SQL (repeated.AddPrimitiveArgs: --add/--remove/--set/--clear-cloudsql-instances, one at a time).
  '--add-cloudsql-instances': cloudSqlFlag('add'),
  '--set-cloudsql-instances': cloudSqlFlag('set'),
  '--remove-cloudsql-instances': cloudSqlFlag('remove'),
  '--clear-cloudsql-instances': cloudSqlFlag('clear'),

  // Binary Authorization (v1 annotations run.googleapis.com/binary-authorization(-breakglass); v2 field as
  // written by v2/config_changes.BinaryAuthorizationChange).
  '--binary-authorization': value(ALL, (input, c) => {
    if (input === '') throw new Expected("'default' or a policy name")
    if (input === 'default') {
      c.set('resource', 'binaryAuthorization.useDefault', true)
      c.set('resource', 'binaryAuthorization.policy', undefined)
    } else {
      c.set('resource', 'binaryAuthorization.useDefault', undefined)
      c.set('resource', 'binaryAuthorization.policy', input)
    }
  }),
  '--clear-binary-authorization': switchOnly(ALL, (_on, c) =>
    c.set('resource', 'binaryAuthorization', undefined)
  ),
  '--breakglass': value(ALL, (input, c) => {
    if (input === '') throw new Expected('a justification')
    c.set('resource', 'binaryAuthorization.breakglassJustification', input)
  }),

  // Env vars, secrets, labels (MapFlagsNoFile; labels_util).
  '--set-env-vars': entriesFlag('envVars', 'set'),
  '--update-env-vars': entriesFlag('envVars', 'update'),
  '--remove-env-vars': entriesFlag('envVars', 'remove'),
  '--clear-env-vars': entriesFlag('envVars', 'clear'),
  '--set-secrets': entriesFlag('secrets', 'set'),
  '--update-secrets': entriesFlag('secrets', 'update'),
  '--remove-secrets': entriesFlag('secrets', 'remove'),
  '--clear-secrets': entriesFlag('secrets', 'clear'),
  '--labels': entriesFlag('labels', 'update'),
  '--update-labels': entriesFlag('labels', 'update'),
  '--remove-labels': entriesFlag('labels', 'remove'),
  '--clear-labels': entriesFlag('labels', 'clear')
}

/**
 * Defaults that gcloud's v1 request implied and a v2 request must spell out; each is an `onlyIfAbsent`
 * setting, so it never overrides what the resource already has.
 */
function addDefaults(kind: ResourceKind, given: ReadonlyMap<string, Given>, draft: Draft): void {
  // v1 keeps CPU throttling in an annotation that defaults to "throttled", and --cpu or --memory leave it
  // alone. In v2 "if ResourceRequirements is set, the caller must explicitly set [cpuIdle] to true to
  // preserve the default behavior" (googleapis run v2 ResourceRequirements.cpuIdle). So when these flags
  // create the container's `resources`, cpuIdle: true keeps gcloud's outcome; an existing `resources`
  // without cpuIdle means false (proto3 omits a false bool) and is kept.
  const sizing = ['--cpu', '--memory', '--gpu'].find(flag => given.has(flag))
  if (kind === 'service' && sizing && !given.has('--cpu-throttling') && !draft.gpuRemoved) {
    const flag = given.get(sizing)?.name ?? sizing
    draft.fields.push({
      scope: 'container',
      path: ['resources', 'cpuIdle'],
      value: true,
      flag,
      onlyIfAbsent: ['resources']
    })
  }
  // ContainerPortChange: "A port number must be specified" for a named port; 8080 is Cloud Run's default.
  if (draft.http2 && !given.has('--port')) {
    draft.fields.push({
      scope: 'container',
      path: ['ports', '0', 'containerPort'],
      value: 8080,
      flag: given.get('--use-http2')?.name ?? '--use-http2',
      onlyIfAbsent: ['ports', '0', 'containerPort']
    })
  }
}

/** Accepted and ignored: they change nothing that a deploy through the API does. */
const NO_OP: Readonly<Record<string, string>> = {
  '--quiet': 'the action never prompts',
  '-q': 'the action never prompts'
}

/** Known gcloud flags that the action refuses, with what to do instead. */
const REFUSED: Readonly<Record<string, string>> = {
  // The deploy target and the dedicated inputs.
  '--region': 'use the input region',
  '--project': 'use the input project_id',
  '--image': 'use the input image',
  '--source':
    'deploying from source is not supported: build and push an image (e.g. with docker/build-push-action), then deploy it with the input image',
  '--no-build': 'deploying from source is not supported; use the input image',
  '--function': 'deploying from source is not supported; use the input image',
  '--base-image':
    'deploying from source is not supported; set containers[].baseImageUri in a metadata file',
  '--clear-base-image': 'deploying from source is not supported',
  '--automatic-updates': 'deploying from source is not supported',
  '--build-service-account': 'deploying from source is not supported',
  '--build-worker-pool': 'deploying from source is not supported',
  '--set-build-env-vars': 'deploying from source is not supported',
  '--update-build-env-vars': 'deploying from source is not supported',
  '--remove-build-env-vars': 'deploying from source is not supported',
  '--clear-build-env-vars': 'deploying from source is not supported',
  '--build-env-vars-file': 'deploying from source is not supported',
  '--async': 'use the input wait: false',
  '--wait': 'use the inputs execute: true and wait: true (jobs)',
  '--execute-now': 'use the input execute: true (jobs)',
  '--dry-run': 'use the input dry_run: true',
  '--regions':
    "use the input region with a comma-separated list (one resource per region; Cloud Run's multi-region services are not supported)",
  '--env-vars-file': 'use the input env_vars (the action does not read files named in flags)',
  '--client-name': 'the action sets client and clientVersion itself',
  '--client-version': 'the action sets client and clientVersion itself',
  '--connectivity': 'deprecated in gcloud: use --ingress',
  // Other platforms (Cloud Run for Anthos / Knative).
  '--cluster': 'only Cloud Run (fully managed) is supported',
  '--cluster-location': 'only Cloud Run (fully managed) is supported',
  '--context': 'only Cloud Run (fully managed) is supported',
  '--kubeconfig': 'only Cloud Run (fully managed) is supported',
  '--namespace': 'only Cloud Run (fully managed) is supported',
  '--set-config-maps': 'config maps exist only on Cloud Run for Anthos',
  '--update-config-maps': 'config maps exist only on Cloud Run for Anthos',
  '--remove-config-maps': 'config maps exist only on Cloud Run for Anthos',
  '--clear-config-maps': 'config maps exist only on Cloud Run for Anthos',
  // gcloud-wide flags.
  '--impersonate-service-account': 'use the input service_account',
  '--account':
    'the action authenticates through workload_identity_provider or Application Default Credentials',
  '--access-token-file':
    'the action authenticates through workload_identity_provider or Application Default Credentials',
  '--billing-project': 'a gcloud-wide flag; the action does not run gcloud',
  '--configuration': 'a gcloud-wide flag; the action does not run gcloud',
  '--flags-file': 'put the flags in the input itself',
  '--flatten': 'a gcloud output flag; the action does not run gcloud',
  '--format': 'a gcloud output flag; the action does not run gcloud (see its outputs)',
  '--help': 'a gcloud-wide flag; the action does not run gcloud',
  '--log-http': 'a gcloud-wide flag; the action does not run gcloud',
  '--trace-token': 'a gcloud-wide flag; the action does not run gcloud',
  '--user-output-enabled': 'a gcloud-wide flag; the action does not run gcloud',
  '--verbosity': 'a gcloud-wide flag; set ACTIONS_STEP_DEBUG for the action’s debug output',
  // Supported by Cloud Run, not translated from flags: the v2 field to set in a metadata file.
  '--update-annotations':
    'set annotations in a metadata file (v2 refuses run.googleapis.com/… annotations: each has its own field)',
  '--add-volume': 'set template.volumes in a metadata file',
  '--remove-volume': 'set template.volumes in a metadata file',
  '--clear-volumes': 'set template.volumes in a metadata file',
  '--add-volume-mount': 'set template.containers[].volumeMounts in a metadata file',
  '--remove-volume-mount': 'set template.containers[].volumeMounts in a metadata file',
  '--clear-volume-mounts': 'set template.containers[].volumeMounts in a metadata file',
  '--container': 'set template.containers[] (sidecars) in a metadata file',
  '--remove-containers': 'set template.containers[] in a metadata file',
  '--depends-on': 'set template.containers[].dependsOn in a metadata file',
  '--startup-probe': 'set template.containers[].startupProbe in a metadata file',
  '--liveness-probe': 'set template.containers[].livenessProbe in a metadata file',
  '--readiness-probe': 'set template.containers[].readinessProbe in a metadata file',
  '--key': 'set template.encryptionKey in a metadata file',
  '--clear-key': 'clear template.encryptionKey in a metadata file',
  '--post-key-revocation-action-type':
    'set template.encryptionKeyRevocationAction in a metadata file',
  '--clear-post-key-revocation-action-type':
    'clear template.encryptionKeyRevocationAction in a metadata file',
  '--encryption-key-shutdown-hours':
    'set template.encryptionKeyShutdownDuration in a metadata file',
  '--clear-encryption-key-shutdown-hours':
    'clear template.encryptionKeyShutdownDuration in a metadata file',
  '--add-custom-audiences': 'set customAudiences in a metadata file',
  '--remove-custom-audiences': 'set customAudiences in a metadata file',
  '--set-custom-audiences': 'set customAudiences in a metadata file',
  '--clear-custom-audiences': 'set customAudiences in a metadata file',
  '--iap': 'set iapEnabled in a metadata file',
  '--mesh': 'set template.serviceMesh.mesh in a metadata file',
  '--sandbox-launcher': 'set template.containers[].sandboxLauncher in a metadata file',
  '--no-promote': 'set instanceSplits in a metadata file',
  '--ssh': 'set sshEnabled in a metadata file',
  '--scaling-cpu-target': 'set scaling in a metadata file',
  '--cpu-utilization': 'set template.scaling.cpuUtilization in a metadata file',
  '--concurrency-utilization': 'set template.scaling.concurrencyUtilization in a metadata file',
  '--delay-execution': 'set template.delayExecution in a metadata file',
  '--runtime': 'not available in the Cloud Run Admin API v2 fields this action sets',
  '--service-min-instances': 'use --min',
  '--service-max-instances': 'use --max',
  '--public': 'use --allow-unauthenticated'
}

/** Flags that cannot be combined: each rule lists alternatives; flags from two alternatives conflict. */
const EXCLUSIVE: readonly (readonly (readonly string[])[])[] = [
  [['--set-env-vars'], ['--clear-env-vars'], ['--update-env-vars', '--remove-env-vars']],
  [['--set-secrets'], ['--clear-secrets'], ['--update-secrets', '--remove-secrets']],
  [['--labels'], ['--update-labels']],
  [['--clear-labels'], ['--remove-labels']],
  [
    ['--add-cloudsql-instances'],
    ['--set-cloudsql-instances'],
    ['--remove-cloudsql-instances'],
    ['--clear-cloudsql-instances']
  ],
  [['--vpc-connector', '--vpc-egress'], ['--clear-vpc-connector']],
  [
    ['--network', '--subnet', '--network-tags', '--clear-network-tags', '--vpc-egress'],
    ['--clear-network']
  ],
  [['--network-tags'], ['--clear-network-tags']],
  [['--binary-authorization', '--breakglass'], ['--clear-binary-authorization']],
  // Both set Service.invokerIamDisabled here.
  [['--allow-unauthenticated'], ['--invoker-iam-check']]
]

/** The names every supported flag answers to, with the kinds it applies to (for docs and tests). */
export const SUPPORTED_FLAGS: ReadonlyMap<string, readonly ResourceKind[]> = new Map(
  Object.entries(SUPPORTED).flatMap(([name, spec]) => [
    [name, spec.kinds] as const,
    ...(spec.takes === 'negatable' ? [[`--no-${name.slice(2)}`, spec.kinds] as const] : [])
  ])
)
/** Recognised gcloud flags the action refuses, each with what to use instead. */
export const REFUSED_FLAGS: ReadonlyMap<string, string> = new Map(Object.entries(REFUSED))

// ---------------------------------------------------------------------------------------------------------
// Translation

interface Found {
  readonly canonical: string
  readonly spec: FlagSpec
  /** For a switch: on (`--flag`) or off (`--no-flag`). */
  readonly on: boolean
}

function lookUp(name: string): Found | undefined {
  const spec = SUPPORTED[name]
  if (spec) return { canonical: name, spec, on: true }
  if (name.startsWith('--no-')) {
    const positive = `--${name.slice(5)}`
    const negated = SUPPORTED[positive]
    if (negated?.takes === 'negatable') return { canonical: positive, spec: negated, on: false }
  }
  return undefined
}

/** gcloud's flag names: lower-case words joined by hyphens. */
const FLAG_NAME = /^--[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/
const looksLikeFlag = (word: string) => word.startsWith('-') && !/^-\d+(\.\d+)?$/.test(word)

/** A flag as given: its name as written (e.g. --no-cpu-throttling) and its position among the flags. */
interface Given {
  readonly name: string
  readonly position: number
}

/**
 * Translates the `flags` input for a deploy of `kind`. Every error is one line that starts with
 * "Input flags:", names the flag and its 1-based position among the flags (a flag and its value are one
 * entry), and never contains a value.
 */
export function translateFlags(raw: string, kind: ResourceKind): FlagsTranslation {
  const words = splitFlags(raw)
  const draft: Draft = { fields: [], entries: {}, permissions: new Set() }
  /** Keyed by canonical name: --no-x counts as --x. */
  const given = new Map<string, Given>()
  let position = 0

  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string
    position++
    if (!looksLikeFlag(word) || word === '--') {
      throw new ActionError(
        `Input ${INPUT}: entry ${position} is not a flag; a value goes with its flag ` +
          '(--flag=value or --flag value), and a value with spaces must be quoted.'
      )
    }
    const equals = word.indexOf('=')
    const name = equals < 0 ? word : word.slice(0, equals)
    const inline = equals < 0 ? undefined : word.slice(equals + 1)
    const fail = (text: string) =>
      new ActionError(`Input ${INPUT}: entry ${position} (${name}) ${text}`)
    const takeValue = (): string => {
      if (inline !== undefined) return inline
      const next = words[i + 1]
      if (next === undefined || looksLikeFlag(next)) {
        throw fail('needs a value: --flag=value or --flag value.')
      }
      i++
      return next
    }

    if (NO_OP[name] !== undefined) {
      if (inline !== undefined) throw fail('takes no value.')
      continue
    }
    if (name === '--platform') {
      // managed is what the action deploys to anyway; gke and kubernetes are Cloud Run for Anthos.
      if (takeValue() !== 'managed') {
        throw new InputEntryError(
          INPUT,
          position,
          name,
          'managed: only Cloud Run (fully managed) is supported'
        )
      }
      continue
    }
    const found = lookUp(name)
    if (!found) {
      const instead =
        REFUSED[name] ?? (name.startsWith('--no-') ? REFUSED[`--${name.slice(5)}`] : undefined)
      if (instead !== undefined) throw fail(`is not supported: ${instead}.`)
      const unknown =
        'is not a gcloud run deploy flag this action knows; see docs/flags.md for the ' +
        'supported flags, or set the field in a metadata file.'
      // A stray value that starts with "-" could be a secret: show only names shaped like gcloud's.
      if (FLAG_NAME.test(name)) throw fail(unknown)
      throw new ActionError(`Input ${INPUT}: entry ${position} (name not shown) ${unknown}`)
    }
    const { canonical, spec } = found
    if (!spec.kinds.includes(kind)) {
      const instead = spec.instead?.[kind]
      const kinds = spec.kinds.map(k => `${KIND_NAME[k]}s`).join(' and ')
      throw fail(
        `does not apply to a ${KIND_NAME[kind]}: gcloud has it for ${kinds} only` +
          `${instead ? `; ${instead}` : ''}.`
      )
    }
    const earlier = given.get(canonical)
    if (earlier) {
      throw fail(
        `is given twice (first as ${earlier.name} at entry ${earlier.position}); give it once` +
          (spec.takes === 'value' ? ', with all its values in one list.' : '.')
      )
    }
    given.set(canonical, { name, position })

    const context: Context = {
      kind,
      flag: name,
      draft,
      set(scope, path, fieldValue) {
        draft.fields.push({ scope, path: splitPath(path), value: fieldValue, flag: name })
      }
    }
    if (spec.takes !== 'value' && inline !== undefined) {
      const base = canonical.slice(2)
      throw fail(
        spec.takes === 'negatable'
          ? `takes no value; write --${base} or --no-${base}.`
          : 'takes no value.'
      )
    }
    try {
      if (spec.takes === 'value') spec.apply(takeValue(), context)
      else spec.apply(found.on, context)
    } catch (error) {
      if (error instanceof Expected) throw new InputEntryError(INPUT, position, name, error.message)
      throw error
    }
  }

  checkCombinations(given, draft)
  addDefaults(kind, given, draft)
  return finish(draft)
}

function splitPath(path: string): string[] {
  // A NUL stands for a dot inside one key (nvidia.com/gpu).
  return path.split('.').map(segment => segment.replace('\u0000', '.'))
}

function checkCombinations(given: ReadonlyMap<string, Given>, draft: Draft): void {
  const conflict = (a: string, b: string, why = '') => {
    const first = given.get(a)
    const second = given.get(b)
    return new ActionError(
      `Input ${INPUT}: ${first?.name ?? a} (entry ${first?.position}) and ${second?.name ?? b} ` +
        `(entry ${second?.position}) cannot be used together${why}.`
    )
  }
  for (const rule of EXCLUSIVE) {
    const used = rule
      .map(alternative => alternative.find(flag => given.has(flag)))
      .filter((flag): flag is string => flag !== undefined)
    const [first, second] = used.sort(
      (a, b) => (given.get(a)?.position ?? 0) - (given.get(b)?.position ?? 0)
    )
    if (first && second) throw conflict(first, second)
  }
  if (draft.gpuRemoved && given.has('--gpu-type')) {
    throw conflict('--gpu', '--gpu-type', ': a GPU count of 0 removes the GPU type')
  }
  for (const limit of ['--min', '--max']) {
    if (draft.manualScaling && given.has(limit)) {
      throw conflict('--scaling', limit, ': a fixed instance count has no minimum or maximum')
    }
  }
  if (draft.portCleared && draft.http2) {
    throw conflict('--port', '--use-http2', ': HTTP/2 needs a port number')
  }
}

function finish(draft: Draft): FlagsTranslation {
  const entries = (group: EntriesGroup): EntriesFlag | undefined => {
    const found = draft.entries[group]
    if (!found) return undefined
    return {
      strategy: found.strategy,
      entries: found.entries,
      remove: found.remove,
      flag: found.flags.join(' and ')
    }
  }
  const envVars = entries('envVars')
  const secrets = entries('secrets')
  const labels = entries('labels')
  return {
    fields: draft.fields,
    ...(envVars ? { envVars } : {}),
    ...(secrets ? { secrets } : {}),
    ...(labels ? { labels } : {}),
    ...(draft.runtimeServiceAccount !== undefined
      ? { runtimeServiceAccount: draft.runtimeServiceAccount }
      : {}),
    ...(draft.suffix !== undefined ? { suffix: draft.suffix } : {}),
    ...(draft.timeout !== undefined ? { timeout: draft.timeout } : {}),
    ...(draft.tag !== undefined ? { tag: draft.tag } : {}),
    ...(draft.noTraffic !== undefined ? { noTraffic: draft.noTraffic } : {}),
    ...(draft.cloudSql ? { cloudSql: draft.cloudSql } : {}),
    ...(draft.allowUnauthenticated !== undefined
      ? { allowUnauthenticated: draft.allowUnauthenticated }
      : {}),
    permissions: [...draft.permissions].sort()
  }
}
