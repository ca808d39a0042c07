/**
 * Pure decisions about the deploy before any check runs: who pulls the image, from which project and
 * repository, and whether that crosses a project boundary.
 */
import type { Config } from './config.js'
import type { ImageReference } from './image.js'

export interface TargetProject {
  readonly projectId: string
  readonly projectNumber: string
}

export interface DeployPlan {
  readonly target: TargetProject
  /** `service-<NUMBER>@serverless-robot-prod.iam.gserviceaccount.com`: it pulls the image, not the deployer. */
  readonly serviceAgent: string
  /** Project ID (or number, as the reference spells it) holding the image; undefined outside Artifact Registry. */
  readonly imageProject: string | undefined
  /** `projects/P/locations/L/repositories/R` for Artifact Registry images. */
  readonly repository: string | undefined
  readonly crossProject: boolean
  /** Why the service agent needs no access check, when it needs none. */
  readonly notNeededBecause: string | undefined
  /** `projects/P/locations/L/services/NAME` (or jobs/, workerPools/). */
  readonly resourceName: string
}

const COLLECTION = { service: 'services', job: 'jobs', workerPool: 'workerPools' } as const

export function serviceAgentFor(projectNumber: string, universe = 'googleapis.com'): string {
  // Outside the default universe the agent's domain is not documented here; keep Google's default name.
  void universe
  return `service-${projectNumber}@serverless-robot-prod.iam.gserviceaccount.com`
}

/** Same project, compared like with like: an ID against the ID, a number against the number. */
export function isSameProject(imageProject: string, target: TargetProject): boolean {
  return /^\d+$/.test(imageProject)
    ? imageProject === target.projectNumber
    : imageProject.toLowerCase() === target.projectId.toLowerCase()
}

export function repositoryName(image: ImageReference): string | undefined {
  if (
    image.kind !== 'artifact-registry' ||
    !image.project ||
    !image.location ||
    !image.repository
  ) {
    return undefined
  }
  return `projects/${image.project}/locations/${image.location}/repositories/${image.repository}`
}

export function planDeploy(config: Config, target: TargetProject): DeployPlan {
  const { image } = config
  const imageProject = image.kind === 'artifact-registry' ? image.project : undefined
  const crossProject = imageProject !== undefined && !isSameProject(imageProject, target)
  return {
    target,
    serviceAgent: serviceAgentFor(target.projectNumber, config.universe),
    imageProject,
    repository: repositoryName(image),
    crossProject,
    notNeededBecause: notNeededBecause(image, crossProject, target),
    resourceName: resourceName(config, target.projectId)
  }
}

export function resourceName(config: Config, projectId: string): string {
  return `projects/${projectId}/locations/${config.region}/${COLLECTION[config.target.kind]}/${config.target.name}`
}

function notNeededBecause(image: ImageReference, crossProject: boolean, target: TargetProject) {
  if (image.kind === 'docker-hub') {
    return 'the image is on Docker Hub, which Cloud Run pulls without Google IAM'
  }
  if (image.kind === 'other') {
    return `Cloud Run cannot pull from ${image.host} directly; it needs an Artifact Registry remote repository, and no Google IAM check applies to ${image.host}`
  }
  if (!crossProject) {
    return `the image is in the target project ${target.projectId}, where the service agent holds roles/run.serviceAgent`
  }
  return undefined
}
