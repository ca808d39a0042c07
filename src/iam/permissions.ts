/** The permissions this action checks, for the service agent and the deployer (REFERENCE.md "Roles"). */
export const PERMISSIONS = {
  downloadArtifacts: 'artifactregistry.repositories.downloadArtifacts',
  getRepositoryPolicy: 'artifactregistry.repositories.getIamPolicy',
  setRepositoryPolicy: 'artifactregistry.repositories.setIamPolicy',
  actAs: 'iam.serviceAccounts.actAs',
  getProject: 'resourcemanager.projects.get',
  getProjectPolicy: 'resourcemanager.projects.getIamPolicy'
} as const

export const RUN_PERMISSIONS = {
  service: {
    get: 'run.services.get',
    create: 'run.services.create',
    update: 'run.services.update'
  },
  job: {
    get: 'run.jobs.get',
    create: 'run.jobs.create',
    update: 'run.jobs.update',
    run: 'run.jobs.run'
  },
  workerPool: {
    get: 'run.workerpools.get',
    create: 'run.workerpools.create',
    update: 'run.workerpools.update'
  }
} as const

export const CHECKED_PERMISSIONS: readonly string[] = [
  ...Object.values(PERMISSIONS),
  ...Object.values(RUN_PERMISSIONS).flatMap(p => Object.values(p))
]
