/**
 * A failed deploy, read back into a Finding. Cloud Run reports the service agent's failed pull in the
 * operation's error, the resource's terminal condition or a condition with reason
 * CONTAINER_PERMISSION_DENIED (and, for jobs, it has been seen as "Error code 13"); wherever it appears,
 * the text names the agent, the image and the repository (REFERENCE.md, the seed article). Pure.
 */
import type { Finding } from '../findings.js'
import { PERMISSIONS } from '../iam/permissions.js'
import { repositoryGrant } from '../report/fixes.js'

export interface PullFailure {
  readonly serviceAgent: string
  readonly image: string
  readonly imageProject: string | undefined
  readonly targetProject: string | undefined
  readonly repository: string | undefined
}

const AGENT =
  /(service-\d+@serverless-robot-prod\.iam\.gserviceaccount\.com) must have permission to read the image,? (\S+?)\.?\s/
const PROJECTS =
  /image is from project \[([^\]]+)\], which is not the same as this project \[([^\]]+)\]/
const REPOSITORY =
  /denied on resource \\?"(projects\/[^/"\\]+\/locations\/[^/"\\]+\/repositories\/[^/"\\]+)\\?"/

/** The seed's failure, parsed; undefined when the text is something else. */
export function parsePullFailure(message: string): PullFailure | undefined {
  const agent = AGENT.exec(message)
  if (!agent) return undefined
  const projects = PROJECTS.exec(message)
  return {
    serviceAgent: agent[1] as string,
    image: agent[2] as string,
    imageProject: projects?.[1],
    targetProject: projects?.[2],
    repository: REPOSITORY.exec(message)?.[1]
  }
}

export function pullFailureFinding(failure: PullFailure, fallbackRepository?: string): Finding {
  const member = `serviceAccount:${failure.serviceAgent}`
  const repository = failure.repository ?? fallbackRepository
  const cross =
    failure.imageProject && failure.targetProject
      ? ` The image is in project ${failure.imageProject}, the service in ${failure.targetProject}.`
      : ''
  return {
    check: 'service-agent',
    kind: 'permission',
    principal: member,
    permission: PERMISSIONS.downloadArtifacts,
    resource: repository ?? failure.image,
    status: 'missing',
    source: 'deploy',
    detail: `Cloud Run's service agent could not pull ${failure.image}.${cross}`,
    fix: repository
      ? repositoryGrant(repository, member, 'roles/artifactregistry.reader')
      : undefined
  }
}
