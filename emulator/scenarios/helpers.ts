/**
 * Small builders for scenario data, so that a scenario reads as a description of a Google Cloud
 * organisation and a variant is one line: `withBinding(seed, REPO, 'roles/artifactregistry.reader', X)`.
 */
import { createHash } from 'node:crypto'
import type { Binding, Policy, Scenario } from '../core.js'

export const serviceAccount = (email: string) => `serviceAccount:${email}`
export const user = (email: string) => `user:${email}`

export function binding(role: string, ...members: string[]): Binding {
  return { role, members }
}

export function policy(...bindings: Binding[]): Policy {
  return { version: 1, bindings }
}

export function repositoryName(project: string, location: string, repository: string): string {
  return `projects/${project}/locations/${location}/repositories/${repository}`
}

/** A stable, realistic-looking digest for a named image version. */
export function digest(label: string): string {
  return `sha256:${createHash('sha256').update(label).digest('hex')}`
}

/** The Cloud Run service agent of a project (REFERENCE.md). */
export const runServiceAgent = (projectNumber: string) =>
  `service-${projectNumber}@serverless-robot-prod.iam.gserviceaccount.com`

/** Artifact Registry's service agent, which reads a virtual repository's upstreams. */
export const artifactRegistryServiceAgent = (projectNumber: string) =>
  `service-${projectNumber}@gcp-sa-artifactregistry.iam.gserviceaccount.com`

/** The default compute service account, Cloud Run's runtime identity when none is set. */
export const computeServiceAccount = (projectNumber: string) =>
  `${projectNumber}-compute@developer.gserviceaccount.com`

export function workloadIdentityPool(projectNumber: string, pool: string): string {
  return `projects/${projectNumber}/locations/global/workloadIdentityPools/${pool}`
}

/** Every federated principal of the pool whose GitHub repository is `repository` (OWNER/REPO). */
export const repositoryPrincipalSet = (pool: string, repository: string) =>
  `principalSet://iam.googleapis.com/${pool}/attribute.repository/${repository}`

function addToPolicy(current: Policy | undefined, role: string, member: string): Policy {
  const bindings = structuredClone(current?.bindings ?? [])
  const existing = bindings.find(b => b.role === role && !b.condition)
  if (existing) existing.members = [...new Set([...(existing.members ?? []), member])]
  else bindings.push(binding(role, member))
  return { ...structuredClone(current ?? {}), version: current?.version ?? 1, bindings }
}

function removeFromPolicy(current: Policy | undefined, role: string, member: string): Policy {
  const bindings = (current?.bindings ?? [])
    .map(b =>
      b.role === role ? { ...b, members: (b.members ?? []).filter(m => m !== member) } : b
    )
    .filter(b => (b.members ?? []).length > 0)
  return { ...structuredClone(current ?? {}), bindings }
}

type PolicyEdit = (policy: Policy | undefined) => Policy

/**
 * Applies `edit` to the policy of `resource` (`organizations/O`, `folders/F`, `projects/P`, a repository
 * name, or `projects/P/serviceAccounts/EMAIL`) and returns a new scenario.
 */
export function editPolicy(scenario: Scenario, resource: string, edit: PolicyEdit): Scenario {
  const [kind, id, sub, subId] = resource.split('/')
  let found = false
  const next = <T extends { policy?: Policy }>(item: T, matches: boolean): T => {
    if (!matches) return item
    found = true
    return { ...item, policy: edit(item.policy) }
  }
  const result: Scenario = {
    ...scenario,
    organizations: scenario.organizations?.map(o => next(o, resource === `organizations/${o.id}`)),
    folders: scenario.folders?.map(f => next(f, resource === `folders/${f.id}`)),
    projects: scenario.projects.map(p => next(p, resource === `projects/${p.projectId}`)),
    serviceAccounts: scenario.serviceAccounts?.map(a =>
      next(
        a,
        kind === 'projects' && sub === 'serviceAccounts' && subId === a.email && id !== undefined
      )
    ),
    repositories: scenario.repositories?.map(r => next(r, resource === r.name))
  }
  if (!found) throw new Error(`Scenario ${scenario.name} has no resource ${resource}`)
  return result
}

export const withBinding = (scenario: Scenario, resource: string, role: string, member: string) =>
  editPolicy(scenario, resource, current => addToPolicy(current, role, member))

export const withoutBinding = (
  scenario: Scenario,
  resource: string,
  role: string,
  member: string
) => editPolicy(scenario, resource, current => removeFromPolicy(current, role, member))

/** A variant: a new name and description over a base scenario and some edits. */
export function variant(
  base: Scenario,
  name: string,
  description: string,
  ...edits: ((scenario: Scenario) => Scenario)[]
): Scenario {
  return edits.reduce((scenario, edit) => edit(scenario), { ...base, name, description })
}
