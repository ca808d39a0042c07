import type { Gcp } from '../google/gcp.js'
import { isDenied } from '../google/gcp.js'
import { toGoogleCallError } from '../google/errors.js'
import type { PolicyNode } from './evaluate.js'

/** What can read a policy, for the `unknown` answer's "which role would let the action read it". */
const ROLE_THAT_CAN_READ: Record<string, string> = {
  repository: 'roles/artifactregistry.viewer (or roles/iam.securityReviewer) on the repository',
  projects: 'roles/iam.securityReviewer (or roles/viewer) on the project',
  folders: 'roles/iam.securityReviewer on the folder',
  organizations: 'roles/iam.securityReviewer on the organization'
}

async function node(
  resource: string,
  kind: string,
  read: () => Promise<PolicyNode['policy']>
): Promise<PolicyNode> {
  try {
    return { resource, policy: await read() }
  } catch (thrown) {
    if (!isDenied(thrown)) throw thrown
    const error = toGoogleCallError('getIamPolicy', thrown)
    return {
      resource,
      policy: undefined,
      unreadable: {
        reason: error.deniedPermission ? `${error.deniedPermission} denied` : error.message,
        roleThatCanRead: ROLE_THAT_CAN_READ[kind] ?? 'roles/iam.securityReviewer'
      }
    }
  }
}

/**
 * The allow policies that decide access to a repository: its own, its project's, and those of the
 * project's folders and organisation, as far as the caller may read them. All fetched concurrently.
 */
export async function repositoryPolicyChain(gcp: Gcp, repository: string): Promise<PolicyNode[]> {
  const project = repository.split('/')[1] ?? ''
  const ancestors = gcp.ancestry(project).then(
    list => ({ list }),
    (thrown: unknown) => {
      if (!isDenied(thrown)) throw thrown
      return { list: undefined, error: toGoogleCallError('getAncestry', thrown) }
    }
  )
  const [own, projectNode, above] = await Promise.all([
    node(repository, 'repository', () => gcp.repositoryPolicy(repository)),
    node(`projects/${project}`, 'projects', () => gcp.resourcePolicy(`projects/${project}`)),
    ancestors
  ])
  if (!above.list) {
    return [
      own,
      projectNode,
      {
        resource: `the folders and organization above projects/${project}`,
        policy: undefined,
        unreadable: {
          reason: `${above.error?.deniedPermission ?? 'resourcemanager.projects.get'} denied`,
          roleThatCanRead: 'roles/browser on the project'
        }
      }
    ]
  }
  const higher = above.list
    .map(a => a.resourceId)
    .filter(id => id?.type === 'folder' || id?.type === 'organization')
    .map(id => `${id?.type === 'folder' ? 'folders' : 'organizations'}/${id?.id}`)
  const higherNodes = await Promise.all(
    higher.map(resource =>
      node(resource, resource.split('/')[0] ?? '', () => gcp.resourcePolicy(resource))
    )
  )
  return [own, projectNode, ...higherNodes]
}
