/**
 * Cloud Resource Manager v1 and v3: projects (get, getAncestry, IAM policy), folders' and
 * organisations' IAM policies. A project that does not exist is indistinguishable from one the caller
 * may not see: both answer 403 (https://cloud.google.com/resource-manager/reference/rest/v3/projects/get).
 */
import type { cloudresourcemanager_v1 } from 'googleapis/build/src/apis/cloudresourcemanager/v1.js'
import type { cloudresourcemanager_v3 } from 'googleapis/build/src/apis/cloudresourcemanager/v3.js'
import type { EmulatorRequest, Route } from './core.js'
import { permissionDenied, policyRoutes, type IamModel } from './iam.js'

const SERVICE = '//cloudresourcemanager.googleapis.com'
/** ASSUMPTION: projects have no recorded creation time in scenarios; a fixed one stands in. */
const CREATED = '2024-01-01T00:00:00.000Z'

function parentObject(
  parent: string | undefined
): cloudresourcemanager_v1.Schema$ResourceId | undefined {
  const match = parent?.match(/^(organizations|folders)\/(.+)$/)
  if (!match) return undefined
  return { type: match[1] === 'folders' ? 'folder' : 'organization', id: match[2] }
}

export function resourceManagerRoutes(iam: IamModel): Route[] {
  /** The project named in the path, authorised for `permission`; 403 whether denied or missing. */
  const project = (req: EmulatorRequest, permission: string) => {
    const given = req.params.project ?? ''
    // v3 names the resource in full; ASSUMPTION: v1 uses the same wording.
    const shown = `${SERVICE}/projects/${given}`
    const record = iam.findProject(given)
    if (!record) {
      iam.requireAuthenticated(req.principal)
      throw permissionDenied(permission, shown)
    }
    iam.authorize(req.principal, permission, `projects/${record.projectId}`, shown)
    return record
  }

  const projectPolicy = (version: 'v1' | 'v3') =>
    policyRoutes(iam, {
      name: 'cloudresourcemanager.projects',
      path: `/${version}/projects/(?<project>[^/]+?)`,
      getMethod: 'POST',
      permission: 'resourcemanager.projects',
      resolve: req => {
        const given = req.params.project ?? ''
        const record = iam.findProject(given)
        return {
          resource: `projects/${record?.projectId ?? given}`,
          shown: `${SERVICE}/projects/${given}`
        }
      }
    })

  const containerPolicy = (kind: 'folders' | 'organizations', versions: string) =>
    policyRoutes(iam, {
      name: `cloudresourcemanager.${kind}`,
      path: `/(?:${versions})/${kind}/(?<id>[^/]+?)`,
      getMethod: 'POST',
      permission: `resourcemanager.${kind}`,
      resolve: req => ({
        resource: `${kind}/${req.params.id ?? ''}`,
        shown: `${SERVICE}/${kind}/${req.params.id ?? ''}`
      })
    })

  return [
    {
      method: 'GET',
      pattern: /^\/v1\/projects\/(?<project>[^/]+)$/,
      name: 'cloudresourcemanager.projects.get',
      handler: req => {
        const record = project(req, 'resourcemanager.projects.get')
        const body: cloudresourcemanager_v1.Schema$Project = {
          projectNumber: record.projectNumber,
          projectId: record.projectId,
          lifecycleState: 'ACTIVE',
          name: record.projectId,
          createTime: CREATED,
          parent: parentObject(record.parent)
        }
        return { body }
      }
    },
    {
      method: 'GET',
      pattern: /^\/v3\/projects\/(?<project>[^/]+)$/,
      name: 'cloudresourcemanager.projects.get',
      handler: req => {
        const record = project(req, 'resourcemanager.projects.get')
        const body: cloudresourcemanager_v3.Schema$Project = {
          name: `projects/${record.projectNumber}`,
          parent: record.parent,
          projectId: record.projectId,
          state: 'ACTIVE',
          displayName: record.projectId,
          createTime: CREATED,
          updateTime: CREATED,
          etag: 'W/"emulator"'
        }
        return { body }
      }
    },
    {
      method: 'POST',
      pattern: /^\/v1\/projects\/(?<project>[^/]+?)(?::|%3A)getAncestry$/,
      name: 'cloudresourcemanager.projects.getAncestry',
      handler: req => {
        const record = project(req, 'resourcemanager.projects.get')
        // Bottom-up: the project, then each folder, then the organisation.
        const ancestor = iam.ancestry(`projects/${record.projectId}`).flatMap(level => {
          const [kind, id] = level.split('/')
          const type = { projects: 'project', folders: 'folder', organizations: 'organization' }[
            kind ?? ''
          ]
          return type && id ? [{ resourceId: { type, id } }] : []
        })
        const body: cloudresourcemanager_v1.Schema$GetAncestryResponse = { ancestor }
        return { body }
      }
    },
    ...projectPolicy('v1'),
    ...projectPolicy('v3'),
    ...containerPolicy('folders', 'v2|v3'),
    ...containerPolicy('organizations', 'v1|v3')
  ]
}
