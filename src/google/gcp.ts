/**
 * Every Google call the checks and the grant make, each under the one retry policy and memoised for the
 * run, so that nothing is fetched twice however many checks ask for it. Calls return googleapis' types
 * and throw GoogleCallError; what a denial means is for the caller to decide.
 */
import type { artifactregistry_v1 } from 'googleapis/build/src/apis/artifactregistry/v1.js'
import type { cloudresourcemanager_v1 } from 'googleapis/build/src/apis/cloudresourcemanager/v1.js'
import type { iam_v1 } from 'googleapis/build/src/apis/iam/v1.js'
import type { policytroubleshooter_v3 } from 'googleapis/build/src/apis/policytroubleshooter/v3.js'
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import type { ResourceKind } from '../config.js'
import type { GoogleClients } from './clients.js'
import { toGoogleCallError } from './errors.js'
import { isRetryable, withRetry } from './retry.js'

export type Policy = iam_v1.Schema$Policy
export type Repository = artifactregistry_v1.Schema$Repository
export type RunResource =
  | run_v2.Schema$GoogleCloudRunV2Service
  | run_v2.Schema$GoogleCloudRunV2Job
  | run_v2.Schema$GoogleCloudRunV2WorkerPool

/** The policy version that keeps conditional bindings intact (REFERENCE.md "IAM policy writes"). */
export const POLICY_VERSION = 3

export class Gcp {
  readonly #clients: GoogleClients
  readonly #memo = new Map<string, Promise<unknown>>()

  constructor(clients: GoogleClients) {
    this.#clients = clients
  }

  /** Runs `fetch` once per key for the run; a failure is remembered too (asking again would fail again). */
  #once<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    let pending = this.#memo.get(key) as Promise<T> | undefined
    if (!pending) {
      pending = withRetry(key.split(' ')[0] ?? key, fetch)
      // Calls may be started early and awaited later; a failure is handled by whoever awaits it.
      pending.catch(() => undefined)
      this.#memo.set(key, pending)
    }
    return pending
  }

  project(projectId: string): Promise<cloudresourcemanager_v1.Schema$Project> {
    return this.#once(`cloudresourcemanager.projects.get ${projectId}`, async () => {
      const { data } = await this.#clients.resourceManager.projects.get({ projectId })
      return data
    })
  }

  /** Ancestors bottom-up: the project, then its folders, then the organisation. */
  ancestry(projectId: string): Promise<cloudresourcemanager_v1.Schema$Ancestor[]> {
    return this.#once(`cloudresourcemanager.projects.getAncestry ${projectId}`, async () => {
      const { data } = await this.#clients.resourceManager.projects.getAncestry({
        projectId,
        requestBody: {}
      })
      return data.ancestor ?? []
    })
  }

  /** `projects/P`, `folders/N` or `organizations/N`. */
  resourcePolicy(resource: string): Promise<Policy> {
    const requestBody = { options: { requestedPolicyVersion: POLICY_VERSION } }
    const [collection, id = ''] = resource.split('/')
    return this.#once(`cloudresourcemanager.${collection}.getIamPolicy ${resource}`, async () => {
      if (collection === 'projects') {
        const { data } = await this.#clients.resourceManager.projects.getIamPolicy({
          resource: id,
          requestBody
        })
        return data
      }
      const v3 = this.#clients.resourceManagerV3
      const { data } =
        collection === 'folders'
          ? await v3.folders.getIamPolicy({ resource, requestBody })
          : await v3.organizations.getIamPolicy({ resource, requestBody })
      return data as Policy
    })
  }

  repository(name: string): Promise<Repository> {
    return this.#once(`artifactregistry.repositories.get ${name}`, async () => {
      const { data } = await this.#clients.artifactRegistry.projects.locations.repositories.get({
        name
      })
      return data
    })
  }

  repositoryPolicy(name: string): Promise<Policy> {
    return this.#once(`artifactregistry.repositories.getIamPolicy ${name}`, () =>
      this.#getRepositoryPolicy(name)
    )
  }

  /** Not memoised: the grant's read-modify-write must see the latest etag on every attempt. */
  readRepositoryPolicy(name: string): Promise<Policy> {
    return withRetry('artifactregistry.repositories.getIamPolicy', () =>
      this.#getRepositoryPolicy(name)
    )
  }

  async #getRepositoryPolicy(name: string): Promise<Policy> {
    const { data } =
      await this.#clients.artifactRegistry.projects.locations.repositories.getIamPolicy({
        resource: name,
        'options.requestedPolicyVersion': POLICY_VERSION
      })
    return data
  }

  /**
   * A conditional write (the policy carries the etag it was read with). A 409 is the grant's to handle
   * by re-reading; a transient failure is retried here, but the write may have been applied before its
   * answer was lost, so the policy is read first: if it now holds exactly what was sent under a new etag,
   * the write landed and is not sent again (a resend would get 409 and the grant would wrongly report
   * the binding as already present).
   */
  async setRepositoryPolicy(name: string, policy: Policy): Promise<Policy> {
    const call = 'artifactregistry.repositories.setIamPolicy'
    return withRetry(call, async () => {
      try {
        const { data } =
          await this.#clients.artifactRegistry.projects.locations.repositories.setIamPolicy({
            resource: name,
            requestBody: { policy }
          })
        return data
      } catch (thrown) {
        const error = toGoogleCallError(call, thrown)
        if (!isRetryable(error)) throw error
        const now = await this.#getRepositoryPolicy(name).catch(() => undefined)
        if (now && now.etag !== policy.etag && sameBindings(now, policy)) return now
        throw error
      }
    })
  }

  /** The subset of `permissions` the caller holds on the repository. */
  testRepositoryPermissions(name: string, permissions: readonly string[]): Promise<Set<string>> {
    return this.#once(
      `artifactregistry.repositories.testIamPermissions ${name} ${permissions}`,
      async () => {
        const { data } =
          await this.#clients.artifactRegistry.projects.locations.repositories.testIamPermissions({
            resource: name,
            requestBody: { permissions: [...permissions] }
          })
        return new Set(data.permissions ?? [])
      }
    )
  }

  testProjectPermissions(projectId: string, permissions: readonly string[]): Promise<Set<string>> {
    return this.#once(
      `cloudresourcemanager.projects.testIamPermissions ${projectId} ${permissions}`,
      async () => {
        const { data } = await this.#clients.resourceManager.projects.testIamPermissions({
          resource: projectId,
          requestBody: { permissions: [...permissions] }
        })
        return new Set(data.permissions ?? [])
      }
    )
  }

  testServiceAccountPermissions(
    email: string,
    permissions: readonly string[]
  ): Promise<Set<string>> {
    return this.#once(
      `iam.serviceAccounts.testIamPermissions ${email} ${permissions}`,
      async () => {
        const { data } = await this.#clients.iam.projects.serviceAccounts.testIamPermissions({
          resource: `projects/-/serviceAccounts/${email}`,
          requestBody: { permissions: [...permissions] }
        })
        return new Set(data.permissions ?? [])
      }
    )
  }

  /** The live service, job or worker pool, or undefined when it does not exist yet. */
  runResource(kind: ResourceKind, name: string): Promise<RunResource | undefined> {
    return this.#once(`run.${kind}.get ${name}`, async () => {
      const locations = this.#clients.run.projects.locations
      try {
        const { data } =
          kind === 'service'
            ? await locations.services.get({ name })
            : kind === 'job'
              ? await locations.jobs.get({ name })
              : await locations.workerPools.get({ name })
        return data
      } catch (thrown) {
        if (toGoogleCallError(`run.${kind}.get`, thrown).httpStatus === 404) return undefined
        throw thrown
      }
    })
  }

  /**
   * The subset the caller holds on a live service, job or worker pool: roles/run.developer granted on the
   * resource itself (least privilege for later edits) is invisible to the project's testIamPermissions.
   */
  testRunResourcePermissions(
    kind: ResourceKind,
    name: string,
    permissions: readonly string[]
  ): Promise<Set<string>> {
    return this.#once(`run.${kind}.testIamPermissions ${name} ${permissions}`, async () => {
      const locations = this.#clients.run.projects.locations
      const params = { resource: name, requestBody: { permissions: [...permissions] } }
      const { data } =
        kind === 'service'
          ? await locations.services.testIamPermissions(params)
          : kind === 'job'
            ? await locations.jobs.testIamPermissions(params)
            : await locations.workerPools.testIamPermissions(params)
      return new Set(data.permissions ?? [])
    })
  }

  /** Predefined (`roles/x`) or custom (`projects/P/roles/x`, `organizations/O/roles/x`) role. */
  role(name: string): Promise<iam_v1.Schema$Role> {
    return this.#once(`iam.roles.get ${name}`, async () => {
      const iam = this.#clients.iam
      const { data } = name.startsWith('projects/')
        ? await iam.projects.roles.get({ name })
        : name.startsWith('organizations/')
          ? await iam.organizations.roles.get({ name })
          : await iam.roles.get({ name })
      return data
    })
  }

  troubleshoot(
    principalEmail: string,
    fullResourceName: string,
    permission: string
  ): Promise<policytroubleshooter_v3.Schema$GoogleCloudPolicytroubleshooterIamV3TroubleshootIamPolicyResponse> {
    return this.#once(
      `policytroubleshooter.iam.troubleshoot ${principalEmail} ${fullResourceName} ${permission}`,
      async () => {
        const { data } = await this.#clients.troubleshooter.iam.troubleshoot({
          requestBody: { accessTuple: { principal: principalEmail, fullResourceName, permission } }
        })
        return data
      }
    )
  }

  /**
   * The digest a tag points at, through the Artifact Registry API. Built by hand: a nested image name
   * must reach the API as one `%2F`-encoded segment, and googleapis encodes it twice (REFERENCE.md).
   */
  resolveTag(repository: string, imagePath: string, tag: string): Promise<string | undefined> {
    const pkg = encodeURIComponent(imagePath)
    const url = `${this.#clients.endpoints.ARTIFACTREGISTRY}v1/${repository}/packages/${pkg}/tags/${encodeURIComponent(tag)}`
    return this.#once(`artifactregistry.tags.get ${url}`, async () => {
      const { data } = await this.#clients.auth.request<artifactregistry_v1.Schema$Tag>({
        url,
        retry: false
      })
      return data.version?.split('/').pop()
    })
  }

  /** Whether a digest exists in the repository (for references pinned by digest). */
  hasVersion(repository: string, imagePath: string, digest: string): Promise<boolean> {
    const url = `${this.#clients.endpoints.ARTIFACTREGISTRY}v1/${repository}/packages/${encodeURIComponent(imagePath)}/versions/${encodeURIComponent(digest)}`
    return this.#once(`artifactregistry.versions.get ${url}`, async () => {
      await this.#clients.auth.request({ url, retry: false })
      return true
    })
  }
}

/** The same grants: every (role, condition, member) of one is in the other, in any order. */
function sameBindings(a: Policy, b: Policy): boolean {
  const grants = (p: Policy) =>
    new Set(
      (p.bindings ?? []).flatMap(binding =>
        (binding.members ?? []).map(member =>
          JSON.stringify([
            binding.role,
            binding.condition?.expression ?? null,
            binding.condition?.title ?? null,
            member
          ])
        )
      )
    )
  const [left, right] = [grants(a), grants(b)]
  return left.size === right.size && [...left].every(grant => right.has(grant))
}

/** A denial, as opposed to a failure: the caller may not read or do this. */
export function isDenied(thrown: unknown): boolean {
  const status = toGoogleCallError('', thrown).httpStatus
  return status === 403 || status === 401
}

export function isNotFound(thrown: unknown): boolean {
  return toGoogleCallError('', thrown).httpStatus === 404
}
