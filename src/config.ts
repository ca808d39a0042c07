import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
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

export type CloudRunResource =
  | run_v2.Schema$GoogleCloudRunV2Service
  | run_v2.Schema$GoogleCloudRunV2Job
  | run_v2.Schema$GoogleCloudRunV2WorkerPool

/** Everything the run needs, built once from the inputs by src/inputs.ts and passed down, never re-read. */
export interface Config {
  /** Which Cloud Run resource to deploy: exactly one of the service, job and worker_pool inputs. */
  readonly target: { readonly kind: ResourceKind; readonly name: string }
  readonly image: ImageReference
  readonly projectId: string
  /** Where projectId came from, for the summary: 'input', an environment variable's name, 'credentials' or 'service_account'. */
  readonly projectIdSource: string
  readonly region: string
  readonly workloadIdentityProvider: string | undefined
  readonly serviceAccount: string | undefined
  readonly serviceAgentAccess: ServiceAgentAccessMode
  readonly dryRun: boolean
  /** Insertion-ordered; undefined when the input was empty (nothing to change). */
  readonly envVars: ReadonlyMap<string, string> | undefined
  readonly envVarsUpdateStrategy: UpdateStrategy
  /** Keys are environment variable names, or absolute paths for secrets mounted as files. */
  readonly secrets: ReadonlyMap<string, SecretRef> | undefined
  readonly secretsUpdateStrategy: UpdateStrategy
  readonly labels: ReadonlyMap<string, string> | undefined
  readonly runtimeServiceAccount: string | undefined
  readonly metadata: { readonly path: string; readonly resource: CloudRunResource } | undefined
  readonly tag: string | undefined
  readonly noTraffic: boolean
  readonly execute: boolean
  readonly wait: boolean
  readonly waitTimeoutMs: number
  readonly iamPropagationTimeoutMs: number
  readonly prComment: boolean
  readonly githubToken: string
  readonly universe: string
  readonly endpoints: Endpoints
}
