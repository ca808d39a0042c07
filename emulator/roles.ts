/**
 * Roles → permissions: the predefined roles from fixtures/gcp-deploy-roles.json (a snapshot of Google's
 * predefined roles, cut down to deploy-relevant permissions) plus the scenario's custom roles, and the IAM
 * API's roles.get routes that expose them.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { GoogleApiError, type Role, type Route } from './core.js'
import type { IamModel } from './iam.js'

interface RoleData {
  readonly title: string
  readonly stage: string
  readonly permissions: readonly string[]
}

interface RolesFile {
  readonly roles: Readonly<Record<string, RoleData>>
}

/**
 * Predefined roles and permissions the dataset leaves out: it lists only roles holding one of its anchor
 * permissions, and only the deploy-relevant permissions of each (see its `_about`). These are the ones the
 * emulator's own APIs check. Sources: https://cloud.google.com/iam/docs/understanding-roles
 * (roles/iam.workloadIdentityUser, roles/iam.serviceAccountTokenCreator); the folder and organisation
 * policy reads of viewer/securityReviewer and the writes of securityAdmin are from the same page.
 * ASSUMPTION: the service-account policy permissions are listed in the roles below as far as we know.
 */
const ADDED_ROLES: Readonly<Record<string, RoleData>> = {
  'roles/iam.workloadIdentityUser': {
    title: 'Workload Identity User',
    stage: 'GA',
    permissions: ['iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.getOpenIdToken']
  },
  'roles/iam.serviceAccountTokenCreator': {
    title: 'Service Account Token Creator',
    stage: 'GA',
    permissions: [
      'iam.serviceAccounts.getAccessToken',
      'iam.serviceAccounts.getOpenIdToken',
      'iam.serviceAccounts.signBlob',
      'iam.serviceAccounts.signJwt'
    ]
  },
  // Cloud Logging's readers, in full (the iam-dataset snapshot of GCP predefined roles,
  // gcp/roles/logging.viewer.json and logging.privateLogViewer.json; also
  // https://cloud.google.com/iam/docs/roles-permissions/logging).
  'roles/logging.viewer': {
    title: 'Logs Viewer',
    stage: 'GA',
    permissions: [
      'logging.buckets.get',
      'logging.buckets.list',
      'logging.exclusions.get',
      'logging.exclusions.list',
      'logging.locations.get',
      'logging.locations.list',
      'logging.logEntries.list',
      'logging.logMetrics.get',
      'logging.logMetrics.list',
      'logging.logServiceIndexes.list',
      'logging.logServices.list',
      'logging.logs.list',
      'logging.operations.get',
      'logging.operations.list',
      'logging.queries.create',
      'logging.queries.delete',
      'logging.queries.get',
      'logging.queries.list',
      'logging.queries.listShared',
      'logging.queries.update',
      'logging.sinks.get',
      'logging.sinks.list',
      'logging.usage.get',
      'logging.views.get',
      'logging.views.list',
      'resourcemanager.projects.get'
    ]
  },
  'roles/logging.privateLogViewer': {
    title: 'Private Logs Viewer',
    stage: 'GA',
    permissions: [
      'logging.buckets.get',
      'logging.buckets.list',
      'logging.exclusions.get',
      'logging.exclusions.list',
      'logging.links.get',
      'logging.links.list',
      'logging.locations.get',
      'logging.locations.list',
      'logging.logEntries.list',
      'logging.logMetrics.get',
      'logging.logMetrics.list',
      'logging.logServiceIndexes.list',
      'logging.logServices.list',
      'logging.logs.list',
      'logging.privateLogEntries.list',
      'logging.queries.getShared',
      'logging.queries.listShared',
      'logging.queries.usePrivate',
      'logging.sinks.get',
      'logging.sinks.list',
      'logging.usage.get',
      'logging.views.access',
      'logging.views.get',
      'logging.views.list',
      'observability.scopes.get',
      'resourcemanager.projects.get'
    ]
  }
}

const POLICY_READS = [
  'resourcemanager.folders.getIamPolicy',
  'resourcemanager.organizations.getIamPolicy',
  'iam.serviceAccounts.getIamPolicy'
]
const POLICY_WRITES = [
  'resourcemanager.folders.setIamPolicy',
  'resourcemanager.organizations.setIamPolicy',
  'iam.serviceAccounts.setIamPolicy'
]
/**
 * The basic roles read logs: "Project Owner, Project Editor, or Project Viewer. The Cloud Logging Logs
 * Viewer role. A custom IAM role with the logging.logEntries.list IAM permission."
 * (https://cloud.google.com/recommender/docs/viewing-logs, Permissions).
 */
const LOG_READS = ['logging.logEntries.list']
const ADDED_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  'roles/viewer': [...POLICY_READS, ...LOG_READS],
  'roles/editor': [...POLICY_READS, ...LOG_READS],
  'roles/owner': [...POLICY_READS, ...POLICY_WRITES, ...LOG_READS],
  'roles/iam.securityReviewer': POLICY_READS,
  'roles/iam.securityAdmin': [...POLICY_READS, ...POLICY_WRITES]
}

function loadPredefined(): Map<string, RoleData> {
  const file = new URL('./fixtures/gcp-deploy-roles.json', import.meta.url)
  const data = JSON.parse(readFileSync(file, 'utf8')) as RolesFile
  const roles = new Map<string, RoleData>(Object.entries(data.roles))
  for (const [name, role] of Object.entries(ADDED_ROLES)) roles.set(name, role)
  for (const [name, extra] of Object.entries(ADDED_PERMISSIONS)) {
    const role = roles.get(name)
    if (role)
      roles.set(name, { ...role, permissions: [...new Set([...role.permissions, ...extra])] })
  }
  return roles
}

let predefinedCache: Map<string, RoleData> | undefined

function etagOf(role: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(role))
    .digest()
    .subarray(0, 8)
    .toString('base64')
}

export class RoleCatalog {
  private readonly predefined: Map<string, RoleData>
  private readonly custom: Map<string, Role>
  private readonly permissionSets = new Map<string, ReadonlySet<string>>()

  constructor(customRoles: readonly Role[] = []) {
    predefinedCache ??= loadPredefined()
    this.predefined = predefinedCache
    this.custom = new Map(customRoles.flatMap(role => (role.name ? [[role.name, role]] : [])))
  }

  /** Permissions of a predefined (`roles/x`) or custom (`projects/P/roles/x`) role; empty if unknown. */
  permissions(roleName: string): ReadonlySet<string> {
    let set = this.permissionSets.get(roleName)
    if (!set) {
      const custom = this.custom.get(roleName)
      // A disabled custom role grants nothing (https://cloud.google.com/iam/docs/creating-custom-roles).
      const usable = custom && custom.stage !== 'DISABLED' && !custom.deleted
      set = new Set(
        usable
          ? (custom.includedPermissions ?? [])
          : (this.predefined.get(roleName)?.permissions ?? [])
      )
      this.permissionSets.set(roleName, set)
    }
    return set
  }

  /** The role as the IAM API's roles.get returns it, or undefined. */
  get(roleName: string): Role | undefined {
    const custom = this.custom.get(roleName)
    if (custom) return { etag: etagOf(custom), ...structuredClone(custom), name: roleName }
    const role = this.predefined.get(roleName)
    if (!role) return undefined
    return {
      name: roleName,
      title: role.title,
      includedPermissions: [...role.permissions],
      stage: role.stage,
      etag: etagOf(role)
    }
  }
}

/**
 * IAM v1 roles.get (https://cloud.google.com/iam/docs/reference/rest/v1/roles/get,
 * .../projects.roles/get, .../organizations.roles/get). Predefined roles are public to any
 * authenticated caller; custom roles need iam.roles.get on their project or organisation.
 */
export function roleRoutes(iam: IamModel, catalog: RoleCatalog): Route[] {
  const notFound = (name: string) =>
    // ASSUMPTION: the wording of IAM's 404 for an unknown role.
    new GoogleApiError('NOT_FOUND', `The role named ${name} was not found.`)
  return [
    {
      method: 'GET',
      pattern: /^\/v1\/roles\/(?<role>[^/]+)$/,
      name: 'iam.roles.get',
      handler: req => {
        iam.requireAuthenticated(req.principal)
        const name = `roles/${req.params.role}`
        const role = catalog.get(name)
        if (!role) throw notFound(name)
        return { body: role }
      }
    },
    {
      method: 'GET',
      pattern: /^\/v1\/(?<kind>projects|organizations)\/(?<parent>[^/]+)\/roles\/(?<role>[^/]+)$/,
      name: 'iam.customRoles.get',
      handler: req => {
        const { kind, parent, role } = req.params
        const owner =
          kind === 'projects' ? iam.canonical(`projects/${parent}`) : `${kind}/${parent}`
        iam.authorize(req.principal, 'iam.roles.get', owner)
        const name = `${owner}/roles/${role}`
        const found = catalog.get(name)
        if (!found) throw notFound(name)
        return { body: found }
      }
    }
  ]
}
