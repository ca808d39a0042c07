/**
 * Pure decisions about the deploy before any check runs: who pulls each image, from which project and
 * repository, and whether that crosses a project boundary. Cloud Run's service agent pulls every
 * container's image, sidecars included (REFERENCE.md "Containers"), so each one is planned.
 */
import type { Config } from './config.js'
import { parseImageReference, type ImageReference } from './image.js'

export interface TargetProject {
  readonly projectId: string
  readonly projectNumber: string
}

/** One container's image and what pulling it involves. */
export interface ImagePlan {
  /** The container's name, when it has one; `main` marks the container the `image` input goes to. */
  readonly container: string | undefined
  readonly main: boolean
  readonly image: ImageReference
  /** Project ID (or number, as the reference spells it) holding the image; undefined outside Artifact Registry. */
  readonly imageProject: string | undefined
  /** `projects/P/locations/L/repositories/R` for Artifact Registry images. */
  readonly repository: string | undefined
  readonly crossProject: boolean
  /** Why the service agent needs no access check, when it needs none. */
  readonly notNeededBecause: string | undefined
}

export interface DeployPlan {
  readonly target: TargetProject
  /** `service-<NUMBER>@serverless-robot-prod.iam.gserviceaccount.com`: it pulls the images, not the deployer. */
  readonly serviceAgent: string
  /** The main image first, then every other container's, each once. */
  readonly images: readonly ImagePlan[]
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

/** A container of the resource as it will be deployed: its name and image. */
export interface PlannedContainer {
  readonly name: string | undefined
  readonly image: string
  readonly main: boolean
}

export function planImage(
  container: PlannedContainer,
  target: TargetProject,
  config: Pick<Config, 'image'>
): ImagePlan {
  let image: ImageReference
  try {
    image = container.main ? config.image : parseImageReference(container.image)
  } catch {
    // A sidecar whose image this parser cannot read: Cloud Run read it once; no IAM check applies.
    image = {
      raw: container.image,
      kind: 'other',
      host: container.image.split('/')[0] ?? '',
      location: undefined,
      project: undefined,
      repository: undefined,
      imagePath: container.image,
      tag: undefined,
      digest: undefined
    }
  }
  const imageProject = image.kind === 'artifact-registry' ? image.project : undefined
  const crossProject = imageProject !== undefined && !isSameProject(imageProject, target)
  return {
    container: container.name,
    main: container.main,
    image,
    imageProject,
    repository: repositoryName(image),
    crossProject,
    notNeededBecause: notNeededBecause(image, crossProject, target)
  }
}

export function planDeploy(
  config: Config,
  target: TargetProject,
  containers: readonly PlannedContainer[]
): DeployPlan {
  const seen = new Set<string>()
  const images: ImagePlan[] = []
  // The main container first, then the others; an image run by several containers is checked once.
  for (const container of [...containers].sort((a, b) => Number(b.main) - Number(a.main))) {
    const key = container.main ? '' : container.image
    if (seen.has(key) || (!container.main && container.image === config.image.raw)) continue
    seen.add(key)
    images.push(planImage(container, target, config))
  }
  return {
    target,
    serviceAgent: serviceAgentFor(target.projectNumber, config.universe),
    images
  }
}

export function resourceName(config: Config, projectId: string, region: string): string {
  return `projects/${projectId}/locations/${region}/${COLLECTION[config.target.kind]}/${config.target.name}`
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
