import { ActionError } from '../errors.js'
import type { TargetProject } from '../plan.js'
import { toGoogleCallError } from './errors.js'
import type { Gcp } from './gcp.js'

/** The project's number, from Resource Manager: the service agent's email is built from it. */
export async function getTargetProject(gcp: Gcp, projectId: string): Promise<TargetProject> {
  try {
    const data = await gcp.project(projectId)
    if (!data.projectNumber) throw new Error('the response holds no projectNumber')
    return { projectId: data.projectId ?? projectId, projectNumber: data.projectNumber }
  } catch (thrown) {
    const error = toGoogleCallError('cloudresourcemanager.projects.get', thrown)
    if (error.httpStatus === 403 || error.httpStatus === 404) {
      throw new ActionError(
        `Cannot read project ${projectId} (resourcemanager.projects.get): ${error.message} ` +
          'Its number names the Cloud Run service agent. Check project_id, or grant the deployer a role ' +
          'that can read the project, such as roles/run.developer.'
      )
    }
    throw error
  }
}
