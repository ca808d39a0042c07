import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import type { CloudSqlEdit, FieldSetting } from './dialects/gcloud.js'
import type { Endpoints } from './endpoints.js'
import type { ImageReference } from './image.js'

export type ResourceKind = 'service' | 'job' | 'workerPool'
export type ServiceAgentAccessMode = 'check' | 'grant' | 'skip'
export type UpdateStrategy = 'merge' | 'overwrite'

/** A secret reference: `projects/P/secrets/S` or a bare secret name, and a version (`latest` by default). */
export interface SecretRef {
  readonly secret: string
  readonly version: string
}

/**
 * A change to a KEY=VALUE collection of the resource (env vars, secrets, labels), from an input or a flag:
 * `merge` keeps the other keys, `overwrite` replaces them all; `remove` drops keys first (gcloud's
 * --remove-* flags).
 */
export interface EntriesChange<V> {
  readonly strategy: UpdateStrategy
  /** Insertion-ordered. */
  readonly values: ReadonlyMap<string, V>
  readonly remove: readonly string[]
}

export type CloudRunResource =
  | run_v2.Schema$GoogleCloudRunV2Service
  | run_v2.Schema$GoogleCloudRunV2Job
  | run_v2.Schema$GoogleCloudRunV2WorkerPool

/** `LATEST=100`, `rev-a=10`: a revision (or LATEST) and the percent of traffic it gets. */
export interface TrafficAssignment {
  /** A revision's short name, or 'LATEST'. */
  readonly revision: string
  readonly percent: number
}

/** `tag=percent`: the revision that carries the tag gets that percent. */
export interface TagAssignment {
  readonly tag: string
  readonly percent: number
}

/** What the `flags` input asks beyond the dedicated inputs it may stand for (src/dialects/flags.ts). */
export interface FlagsChange {
  readonly fields: readonly FieldSetting[]
  readonly cloudSql: CloudSqlEdit | undefined
  /** true: invoker IAM check off (`invokerIamDisabled`); false: on; undefined: as it was. */
  readonly allowUnauthenticated: boolean | undefined
  /** Deployer permissions these flags need beyond a plain deploy. */
  readonly permissions: readonly string[]
}

/** Everything the run needs, built once from the inputs by src/inputs.ts and passed down, never re-read. */
export interface Config {
  /** Which Cloud Run resource to deploy: exactly one of the service, job and worker_pool inputs. */
  readonly target: { readonly kind: ResourceKind; readonly name: string }
  readonly image: ImageReference
  readonly projectId: string
  /** Where projectId came from, for the summary: 'input', an environment variable's name, 'credentials' or 'service_account'. */
  readonly projectIdSource: string
  /** One or more regions; the same resource is deployed to each (src/deploy/regions.ts). */
  readonly regions: readonly string[]
  readonly workloadIdentityProvider: string | undefined
  readonly serviceAccount: string | undefined
  readonly serviceAgentAccess: ServiceAgentAccessMode
  readonly dryRun: boolean
  /** The container that receives image, env and secrets; undefined: the ingress container, or the only one. */
  readonly container: string | undefined
  readonly env: EntriesChange<string> | undefined
  /** Keys are environment variable names, or absolute paths for secrets mounted as files. */
  readonly secrets: EntriesChange<SecretRef> | undefined
  readonly labels: EntriesChange<string> | undefined
  /** `managed-by` and `commit-sha`, unless skip_default_labels; the user's labels win on a conflict. */
  readonly defaultLabels: ReadonlyMap<string, string>
  readonly runtimeServiceAccount: string | undefined
  readonly metadata:
    | {
        readonly path: string
        readonly resource: CloudRunResource
        /** `knative`: converted from a Knative v1 manifest (src/dialects/knative.ts). */
        readonly dialect: 'v2' | 'knative'
      }
    | undefined
  readonly flags: FlagsChange | undefined
  /** The new revision's name is `<name>-<suffix>` (services and worker pools). */
  readonly suffix: string | undefined
  /** Request timeout of a service's revisions, as a proto Duration (`300s`). */
  readonly timeout: string | undefined
  readonly tag: string | undefined
  readonly noTraffic: boolean
  readonly revisionTraffic: readonly TrafficAssignment[] | undefined
  readonly tagTraffic: readonly TagAssignment[] | undefined
  readonly execute: boolean
  readonly wait: boolean
  readonly waitTimeoutMs: number
  readonly iamPropagationTimeoutMs: number
  readonly prComment: boolean
  readonly githubToken: string
  readonly universe: string
  readonly endpoints: Endpoints
  /** Inputs accepted and ignored (deploy-cloudrun's gcloud_version, ...), said once in the log. */
  readonly notices: readonly string[]
}
