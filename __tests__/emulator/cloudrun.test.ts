/**
 * The Cloud Run model on its own: a small fake EmulatorContext (permissions by member, registry
 * readers by repository, a clock the test moves) and the model's routes called with crafted requests.
 */
import { describe, expect, it, test } from '@jest/globals'
import {
  type EmulatorContext,
  type EmulatorOptions,
  type EmulatorRequest,
  type PullResult,
  type Scenario,
  GoogleApiError
} from '../../emulator/core.js'
import { CloudRunModel } from '../../emulator/cloudrun.js'
import { JOB, type KindSpec, SERVICE, WORKER_POOL } from '../../emulator/cloudrun/kinds.js'
import type { FieldViolation } from '../../emulator/cloudrun/messages.js'
import {
  missingSplitRevisions,
  revisionNameViolation,
  splitViolation,
  volumeViolation,
  withoutOutputOnly
} from '../../emulator/cloudrun/rules.js'

const A = { projectId: 'myproject-a', projectNumber: '111111111111' }
const B = { projectId: 'myproject-b', projectNumber: '222222222222' }
const REGION = 'asia-northeast1'
const DEPLOYER = 'serviceAccount:deployer@myproject-a.iam.gserviceaccount.com'
const AGENT_A = 'serviceAccount:service-111111111111@serverless-robot-prod.iam.gserviceaccount.com'
const DELAY = 1000

const DEPLOY_PERMISSIONS = [
  'run.services.create',
  'run.services.get',
  'run.services.list',
  'run.services.update',
  'run.services.delete',
  'run.revisions.get',
  'run.revisions.list',
  'run.jobs.create',
  'run.jobs.get',
  'run.jobs.update',
  'run.jobs.run',
  'run.executions.get',
  'run.executions.list',
  'run.workerpools.create',
  'run.workerpools.get',
  'run.workerpools.update',
  'run.operations.get',
  'run.operations.list',
  'iam.serviceAccounts.actAs'
]

/** The seed's error (REFERENCE.md) with the x's filled in: a fixture, keep it verbatim. */
const SEED_ERROR =
  'Google Cloud Run Service Agent service-111111111111@serverless-robot-prod.iam.gserviceaccount.com must have permission to read the image, asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob. Ensure that the provided container image URL is correct and that the above account has permission to access the image. If you just enabled the Cloud Run API, the permissions might take a few minutes to propagate. Note that the image is from project [myproject-b], which is not the same as this project [myproject-a]. Permission must be granted to the Google Cloud Run Service Agent service-111111111111@serverless-robot-prod.iam.gserviceaccount.com from this project. See https://cloud.google.com/run/docs/deploying#other-projects Cause: 403 Forbidden GET https://asia-northeast1-docker.pkg.dev/v2/myproject-b/myrepo/myjob/manifests/latest {"errors":[{"code":"DENIED","message":"Permission \\"artifactregistry.repositories.downloadArtifacts\\" denied on resource \\"projects/myproject-b/locations/asia-northeast1/repositories/myrepo\\" (or it may not exist)"}]}'

const CROSS_IMAGE = 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob'
const LOCAL_IMAGE = 'asia-northeast1-docker.pkg.dev/myproject-a/apps/api:v1'

type Json = Record<string, unknown>

/** A fake world: member → permissions (on every resource), repository → readers, existing images. */
class World {
  now = 1_700_000_000_000
  options: EmulatorOptions = {
    operationDelayMs: DELAY,
    propagationDelayMs: 0,
    latencyMs: 0,
    faults: [],
    waitReturnsAtOnce: false,
    logIngestionDelayMs: 0
  }
  readonly permissions = new Map<string, Set<string>>()
  /** `PROJECT/REPO` → members that may download. */
  readonly readers = new Map<string, Set<string>>()
  readonly images = new Set<string>([CROSS_IMAGE, LOCAL_IMAGE, `${LOCAL_IMAGE.split(':')[0]}:v2`])
  readonly pulls: { member: string; image: string; at: number }[] = []

  constructor() {
    this.grant(DEPLOYER, ...DEPLOY_PERMISSIONS)
    this.read('myproject-a/apps', DEPLOYER, AGENT_A)
    this.read('myproject-b/myrepo', DEPLOYER)
  }

  grant(member: string, ...permissions: string[]): void {
    const set = this.permissions.get(member) ?? new Set<string>()
    for (const p of permissions) set.add(p)
    this.permissions.set(member, set)
  }

  revoke(member: string, permission: string): void {
    this.permissions.get(member)?.delete(permission)
  }

  read(repo: string, ...members: string[]): void {
    const set = this.readers.get(repo) ?? new Set<string>()
    for (const m of members) set.add(m)
    this.readers.set(repo, set)
  }

  context(): EmulatorContext {
    const has = (member: string | undefined, permission: string) =>
      member !== undefined && (this.permissions.get(member)?.has(permission) ?? false)
    const options = () => this.options
    return {
      get options() {
        return options()
      },
      now: () => this.now,
      toWall: ms => ms,
      authorize: (req, permission, resource) => {
        if (!req.principal) throw new GoogleApiError('UNAUTHENTICATED', 'no credentials')
        if (!has(req.principal, permission)) {
          throw new GoogleApiError(
            'PERMISSION_DENIED',
            `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`
          )
        }
      },
      hasPermission: (member, permission) => has(member, permission),
      project: idOrNumber => {
        const found = [A, B].find(p => p.projectId === idOrNumber || p.projectNumber === idOrNumber)
        if (!found) throw new GoogleApiError('NOT_FOUND', `Project ${idOrNumber} not found.`)
        return found
      },
      pullImage: (member, image) => this.pull(member, image)
    }
  }

  /** Artifact Registry's answer to a manifest GET, as emulator/artifactregistry.ts gives it. */
  private pull(member: string, image: string): PullResult {
    this.pulls.push({ member, image, at: this.now })
    const match = /^([a-z0-9-]+)-docker\.pkg\.dev\/([^/]+)\/([^/]+)\/([^:@]+)(?::(.+))?$/.exec(
      image
    )
    if (!match) return { ok: true, digest: 'sha256:dockerhub' }
    const [, location, project, repo, path, tag] = match
    const manifestUrl = `https://${location}-docker.pkg.dev/v2/${project}/${repo}/${path}/manifests/${tag ?? 'latest'}`
    const resource = `projects/${project}/locations/${location}/repositories/${repo}`
    if (!this.readers.get(`${project}/${repo}`)?.has(member)) {
      return {
        ok: false,
        reason: 'denied',
        manifestUrl,
        imageProject: project,
        registryBody: JSON.stringify({
          errors: [
            {
              code: 'DENIED',
              message: `Permission "artifactregistry.repositories.downloadArtifacts" denied on resource "${resource}" (or it may not exist)`
            }
          ]
        })
      }
    }
    if (!this.images.has(image)) {
      return {
        ok: false,
        reason: 'not-found',
        manifestUrl,
        imageProject: project,
        registryBody: JSON.stringify({
          errors: [{ code: 'MANIFEST_UNKNOWN', message: 'Failed to fetch' }]
        })
      }
    }
    return { ok: true, digest: 'sha256:0123' }
  }
}

interface Reply {
  status: number
  body: Json
}

function setup(scenario: Partial<Scenario> = {}) {
  const world = new World()
  const model = new CloudRunModel(world.context(), {
    name: 'test',
    description: 'cloud run model test',
    projects: [A, B],
    ...scenario
  })
  const routes = model.routes()
  const call = async (
    method: string,
    pathAndQuery: string,
    body?: unknown,
    principal: string | undefined = DEPLOYER
  ): Promise<Reply> => {
    const url = new URL(pathAndQuery, 'https://run.googleapis.com')
    const route = routes.find(r => r.method === method && r.pattern.test(url.pathname))
    if (!route) throw new Error(`no route for ${method} ${url.pathname}`)
    const groups = route.pattern.exec(url.pathname)?.groups ?? {}
    const params = Object.fromEntries(
      Object.entries(groups).map(([k, v]) => [k, decodeURIComponent(v ?? '')])
    )
    const req: EmulatorRequest = {
      method,
      url,
      params,
      body,
      headers: {},
      token: principal ? 'token' : undefined,
      principal
    }
    try {
      const res = await route.handler(req)
      return { status: res.status ?? 200, body: (res.body ?? {}) as Json }
    } catch (error) {
      if (error instanceof GoogleApiError)
        return { status: error.code, body: error.toBody() as Json }
      throw error
    }
  }
  return { world, model, routes, call }
}

const base = `/v2/projects/${A.projectId}/locations/${REGION}`
const serviceName = (id: string) => `projects/${A.projectId}/locations/${REGION}/services/${id}`
const jobName = (id: string) => `projects/${A.projectId}/locations/${REGION}/jobs/${id}`
const poolName = (id: string) => `projects/${A.projectId}/locations/${REGION}/workerPools/${id}`
const serviceBody = (image: string, extra: Json = {}) => ({
  template: { containers: [{ image }] },
  ...extra
})
const jobBody = (image: string, env: { name: string; value: string }[] = []) => ({
  template: { taskCount: 2, template: { containers: [{ image, env }] } }
})
const operationPath = (name: unknown) => `/v2/${String(name)}`
const errorOf = (reply: Reply) =>
  reply.body['error'] as { code: number; message: string; status: string }

describe('services', () => {
  it('creates a service through an operation that finishes after the delay', async () => {
    const { world, model, call } = setup()
    const created = await call('POST', `${base}/services?serviceId=api`, serviceBody(LOCAL_IMAGE))
    expect(created.status).toBe(200)
    expect(created.body['name']).toMatch(
      /^projects\/myproject-a\/locations\/asia-northeast1\/operations\/[0-9a-f-]{36}$/
    )
    expect(created.body['done']).toBe(false)
    const metadata = created.body['metadata'] as Json
    expect(metadata['@type']).toBe('type.googleapis.com/google.cloud.run.v2.Service')
    expect(metadata).toMatchObject({
      name: serviceName('api'),
      generation: '1',
      reconciling: true,
      creator: 'deployer@myproject-a.iam.gserviceaccount.com',
      lastModifier: 'deployer@myproject-a.iam.gserviceaccount.com',
      uri: 'https://api-111111111111.asia-northeast1.run.app',
      urls: ['https://api-111111111111.asia-northeast1.run.app'],
      traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
      terminalCondition: { type: 'Ready', state: 'CONDITION_RECONCILING' }
    })
    expect(metadata['latestCreatedRevision']).toMatch(
      /^projects\/myproject-a\/locations\/asia-northeast1\/services\/api\/revisions\/api-00001-[a-z]{3}$/
    )
    expect(typeof metadata['uid']).toBe('string')
    expect(typeof metadata['etag']).toBe('string')

    // Nothing is pulled until the revision starts.
    expect(world.pulls.filter(p => p.member === AGENT_A)).toEqual([])
    world.now += DELAY - 1
    expect((await call('GET', operationPath(created.body['name']))).body['done']).toBe(false)
    expect(model.getService(serviceName('api'))?.reconciling).toBe(true)

    world.now += 1
    const done = await call('GET', operationPath(created.body['name']))
    expect(done.body['done']).toBe(true)
    expect(done.body['error']).toBeUndefined()
    const response = done.body['response'] as Json
    expect(response['@type']).toBe('type.googleapis.com/google.cloud.run.v2.Service')
    expect(response['terminalCondition']).toMatchObject({
      type: 'Ready',
      state: 'CONDITION_SUCCEEDED'
    })
    expect(world.pulls.filter(p => p.member === AGENT_A).map(p => p.image)).toEqual([LOCAL_IMAGE])

    const service = model.getService(serviceName('api'))
    expect(service).toMatchObject({
      reconciling: false,
      generation: '1',
      observedGeneration: '1',
      latestReadyRevision: metadata['latestCreatedRevision'],
      latestCreatedRevision: metadata['latestCreatedRevision'],
      trafficStatuses: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }]
    })
    expect(service?.conditions?.map(c => [c.type, c.state])).toEqual([
      ['RoutesReady', 'CONDITION_SUCCEEDED'],
      ['ConfigurationsReady', 'CONDITION_SUCCEEDED']
    ])

    const fetched = await call('GET', `${base}/services/api`)
    expect(fetched.body).toEqual(service)
    const revisionId = String(metadata['latestCreatedRevision']).split('/').pop()
    const revision = await call('GET', `${base}/services/api/revisions/${revisionId}`)
    expect(revision.body).toMatchObject({
      name: metadata['latestCreatedRevision'],
      service: serviceName('api'),
      serviceAccount: '111111111111-compute@developer.gserviceaccount.com',
      containers: [{ image: LOCAL_IMAGE }]
    })
    expect(revision.body['conditions']).toContainEqual(
      expect.objectContaining({ type: 'Ready', state: 'CONDITION_SUCCEEDED' })
    )
    const revisions = await call('GET', `${base}/services/api/revisions`)
    expect((revisions.body['revisions'] as Json[]).length).toBe(1)
    expect(model.listOperations()).toHaveLength(1)
  })

  it('answers 404 in Cloud Run shape, 409 for a duplicate and 400 for bad input, writing nothing', async () => {
    const { world, model, call } = setup()
    const missing = await call('GET', `${base}/services/nope`)
    expect(missing.status).toBe(404)
    expect(errorOf(missing)).toEqual({
      code: 404,
      status: 'NOT_FOUND',
      message:
        "Resource 'nope' of kind 'SERVICE' in region 'asia-northeast1' in project 'myproject-a' does not exist."
    })
    await call('POST', `${base}/services?serviceId=api`, serviceBody(LOCAL_IMAGE))
    world.now += DELAY
    const duplicate = await call('POST', `${base}/services?serviceId=api`, serviceBody(LOCAL_IMAGE))
    expect(duplicate.status).toBe(409)
    expect(errorOf(duplicate).status).toBe('ALREADY_EXISTS')

    const badId = await call('POST', `${base}/services?serviceId=Bad_Id`, serviceBody(LOCAL_IMAGE))
    expect(badId.status).toBe(400)
    expect(errorOf(badId).status).toBe('INVALID_ARGUMENT')
    const named = await call('POST', `${base}/services?serviceId=other`, {
      ...serviceBody(LOCAL_IMAGE),
      name: serviceName('different')
    })
    expect(named.status).toBe(400)
    const noImage = await call('POST', `${base}/services?serviceId=other`, {
      template: { containers: [{}] }
    })
    expect(errorOf(noImage).message).toBe(
      'Violation in CreateServiceRequest.service.template.containers[0].image: required field not present.'
    )
    const noTemplate = await call('POST', `${base}/services?serviceId=other`, {})
    expect(errorOf(noTemplate).message).toBe(
      'Violation in CreateServiceRequest.service.template: required field not present.'
    )
    const ghcr = await call(
      'POST',
      `${base}/services?serviceId=other`,
      serviceBody('ghcr.io/o/app:1')
    )
    expect(errorOf(ghcr).message).toMatch(
      /^template\.containers\[0\]\.image: Expected an image path like .* but obtained ghcr\.io\/o\/app:1$/
    )
    const unknown = await call('POST', `${base}/services?serviceId=other`, {
      ...serviceBody(LOCAL_IMAGE),
      imagee: 'x'
    })
    expect(errorOf(unknown).message).toBe(
      `Invalid JSON payload received. Unknown name "imagee" at 'service': Cannot find field.`
    )
    expect(model.getService(serviceName('other'))).toBeUndefined()
    expect(model.listOperations()).toHaveLength(1)
  })

  it('updates: generation and etag move on, a mask limits the change, output-only input is ignored', async () => {
    const { world, model, call } = setup()
    await call('POST', `${base}/services?serviceId=api`, serviceBody(LOCAL_IMAGE))
    world.now += DELAY
    const first = model.getService(serviceName('api'))
    if (!first) throw new Error('service missing')

    // Labels only: no new revision.
    const labelled = await call('PATCH', `${base}/services/api?updateMask=labels`, {
      labels: { team: 'web' },
      template: { containers: [{ image: 'ignored' }] },
      etag: first.etag
    })
    expect(labelled.status).toBe(200)
    const afterLabels = model.getService(serviceName('api'))
    expect(afterLabels).toMatchObject({
      generation: '2',
      labels: { team: 'web' },
      reconciling: true
    })
    expect(afterLabels?.etag).not.toBe(first.etag)
    expect(afterLabels?.template).toEqual(first.template)
    expect(afterLabels?.latestCreatedRevision).toBe(first.latestCreatedRevision)
    expect(afterLabels?.createTime).toBe(first.createTime)
    world.now += DELAY
    expect(model.getService(serviceName('api'))).toMatchObject({
      reconciling: false,
      observedGeneration: '2'
    })

    // No mask: the body is the whole desired service; a tag gets its own URL.
    const replaced = await call('PATCH', `${base}/services/api`, {
      ...serviceBody(`${LOCAL_IMAGE.split(':')[0]}:v2`),
      traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100, tag: 'pr-1' }],
      uri: 'https://evil.example.com',
      generation: '99'
    })
    expect(replaced.status).toBe(200)
    const pending = model.getService(serviceName('api'))
    expect(pending).toMatchObject({
      generation: '3',
      uri: 'https://api-111111111111.asia-northeast1.run.app'
    })
    expect(pending?.labels).toBeUndefined()
    expect(pending?.latestCreatedRevision).toMatch(/\/revisions\/api-00003-[a-z]{3}$/)
    expect(pending?.latestReadyRevision).toBe(first.latestReadyRevision)
    world.now += DELAY
    const updated = model.getService(serviceName('api'))
    expect(updated?.latestReadyRevision).toBe(pending?.latestCreatedRevision)
    expect(updated?.trafficStatuses).toEqual([
      {
        type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST',
        percent: 100,
        tag: 'pr-1',
        uri: 'https://pr-1---api-111111111111.asia-northeast1.run.app'
      }
    ])
    expect(model.listRevisions(serviceName('api'))).toHaveLength(2)
  })

  it('rejects a stale etag with 409 ABORTED after another writer changed the service', async () => {
    const { world, model, call } = setup()
    await call('POST', `${base}/services?serviceId=api`, serviceBody(LOCAL_IMAGE))
    world.now += DELAY
    const read = (await call('GET', `${base}/services/api`)).body
    const bumped = model.mutateService(serviceName('api'), s => {
      s.labels = { changedBy: 'someone-else' }
    })
    expect(bumped.generation).toBe('2')
    expect(bumped.etag).not.toBe(read['etag'])
    const operations = model.listOperations().length
    const stale = await call('PATCH', `${base}/services/api`, { ...read, labels: { mine: 'yes' } })
    expect(stale.status).toBe(409)
    expect(errorOf(stale).status).toBe('ABORTED')
    expect(model.getService(serviceName('api'))?.labels).toEqual({ changedBy: 'someone-else' })
    expect(model.listOperations()).toHaveLength(operations)
    // With the fresh etag the same write goes through.
    const fresh = await call('PATCH', `${base}/services/api`, {
      ...read,
      etag: bumped.etag,
      labels: { mine: 'yes' }
    })
    expect(fresh.status).toBe(200)
  })

  it('needs actAs on the runtime service account, default or explicit', async () => {
    const { world, model, call } = setup()
    world.revoke(DEPLOYER, 'iam.serviceAccounts.actAs')
    const implicit = await call('POST', `${base}/services?serviceId=api`, serviceBody(LOCAL_IMAGE))
    expect(implicit.status).toBe(403)
    expect(errorOf(implicit)).toEqual({
      code: 403,
      status: 'PERMISSION_DENIED',
      message:
        "Permission 'iam.serviceAccounts.actAs' denied on service account 111111111111-compute@developer.gserviceaccount.com (or it may not exist)."
    })
    const explicit = await call('POST', `${base}/services?serviceId=api`, {
      template: {
        serviceAccount: 'runner@myproject-a.iam.gserviceaccount.com',
        containers: [{ image: LOCAL_IMAGE }]
      }
    })
    expect(errorOf(explicit).message).toBe(
      "Permission 'iam.serviceAccounts.actAs' denied on service account runner@myproject-a.iam.gserviceaccount.com (or it may not exist)."
    )
    expect(model.getService(serviceName('api'))).toBeUndefined()
    expect(model.listOperations()).toEqual([])
  })

  it('needs the deployer to read the image itself (since 2025-01-15)', async () => {
    const { world, model, call } = setup()
    world.readers.get('myproject-b/myrepo')?.delete(DEPLOYER)
    const denied = await call('POST', `${base}/services?serviceId=myjob`, serviceBody(CROSS_IMAGE))
    expect(denied.status).toBe(403)
    expect(errorOf(denied).status).toBe('PERMISSION_DENIED')
    expect(errorOf(denied).message).toContain(`User does not have access to image ${CROSS_IMAGE}`)
    expect(errorOf(denied).message).toContain(
      'Permission must be granted to the User from this project.'
    )
    expect(model.listOperations()).toEqual([])
  })

  it("fails the revision with the seed's exact text when the service agent cannot read the image", async () => {
    const { world, model, call } = setup()
    const created = await call('POST', `${base}/services?serviceId=myjob`, serviceBody(CROSS_IMAGE))
    expect(created.status).toBe(200)
    world.now += DELAY
    const operation = (await call('GET', operationPath(created.body['name']))).body
    const revisionName = String((created.body['metadata'] as Json)['latestCreatedRevision'])
    const revisionId = revisionName.split('/').pop() ?? ''
    // A service's failure is prefixed by the revision, as Cloud Run reports it (see messages.ts).
    const serviceMessage = `Revision '${revisionId}' is not ready and cannot serve traffic. ${SEED_ERROR}`
    expect(operation['done']).toBe(true)
    expect(operation['response']).toBeUndefined()
    expect(operation['error']).toEqual({ code: 13, message: serviceMessage })

    const service = model.getService(serviceName('myjob'))
    expect(service?.terminalCondition).toMatchObject({
      type: 'Ready',
      state: 'CONDITION_FAILED',
      reason: 'CONTAINER_PERMISSION_DENIED',
      message: serviceMessage
    })
    expect(service?.reconciling).toBe(false)
    expect(service?.latestReadyRevision).toBeUndefined()
    expect(service?.observedGeneration).toBeUndefined()
    expect(service?.trafficStatuses).toEqual([])
    const revision = (await call('GET', `${base}/services/myjob/revisions/${revisionId}`)).body
    expect(revision['conditions']).toContainEqual(
      expect.objectContaining({
        type: 'Ready',
        state: 'CONDITION_FAILED',
        reason: 'CONTAINER_PERMISSION_DENIED',
        message: SEED_ERROR
      })
    )
    expect(world.pulls.at(-1)).toEqual({ member: AGENT_A, image: CROSS_IMAGE, at: world.now })
  })

  it('keeps the last ready revision serving when a new one fails, and recovers after a grant', async () => {
    const { world, model, call } = setup()
    await call('POST', `${base}/services?serviceId=api`, serviceBody(LOCAL_IMAGE))
    world.now += DELAY
    const good = model.getService(serviceName('api'))?.latestReadyRevision
    await call('PATCH', `${base}/services/api?updateMask=template`, serviceBody(CROSS_IMAGE))
    world.now += DELAY
    const failed = model.getService(serviceName('api'))
    expect(failed?.terminalCondition?.state).toBe('CONDITION_FAILED')
    expect(failed?.latestCreatedRevision).not.toBe(good)
    expect(failed?.latestReadyRevision).toBe(good)
    expect(failed?.observedGeneration).toBe('1')
    expect(failed?.trafficStatuses).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }
    ])
    expect(failed?.conditions).toContainEqual(
      expect.objectContaining({ type: 'RoutesReady', state: 'CONDITION_SUCCEEDED' })
    )

    // The fix: grant the service agent read access on the image's repository, then deploy again.
    world.read('myproject-b/myrepo', AGENT_A)
    await call(
      'PATCH',
      `${base}/services/api?updateMask=template&forceNewRevision=true`,
      serviceBody(CROSS_IMAGE)
    )
    world.now += DELAY
    const fixed = model.getService(serviceName('api'))
    expect(fixed?.terminalCondition?.state).toBe('CONDITION_SUCCEEDED')
    expect(fixed?.latestReadyRevision).toBe(fixed?.latestCreatedRevision)
    expect(fixed?.latestReadyRevision).toMatch(/api-00003-[a-z]{3}$/)
    const revisions = model.listRevisions(serviceName('api'))
    expect(revisions.map(r => r.conditions?.find(c => c.type === 'Ready')?.state)).toEqual([
      'CONDITION_SUCCEEDED',
      'CONDITION_FAILED',
      'CONDITION_SUCCEEDED'
    ])
  })

  it('evaluates the pull when the revision starts, not when the request arrives', async () => {
    const { world, model, call } = setup()
    await call('POST', `${base}/services?serviceId=api`, serviceBody(CROSS_IMAGE))
    world.now += DELAY / 2
    world.read('myproject-b/myrepo', AGENT_A)
    world.now += DELAY / 2
    expect(model.getService(serviceName('api'))?.terminalCondition?.state).toBe(
      'CONDITION_SUCCEEDED'
    )
  })

  it('reports a missing image as CONTAINER_MISSING', async () => {
    const { world, model, call } = setup()
    const image = 'asia-northeast1-docker.pkg.dev/myproject-a/apps/api:nope'
    const created = await call('POST', `${base}/services?serviceId=api`, serviceBody(image))
    world.now += DELAY
    const operation = model.getOperation(String(created.body['name']))
    const revision = model.getRevision(
      String(model.getService(serviceName('api'))?.latestCreatedRevision)
    )
    const ready = revision?.conditions?.find(c => c.type === 'Ready')
    expect(ready).toMatchObject({
      reason: 'CONTAINER_MISSING',
      message: `Image '${image}' not found.`
    })
    expect(operation?.error?.message).toMatch(
      /is not ready and cannot serve traffic\. Image '.*:nope' not found\.$/
    )
  })

  it('simulates a container that fails to start (EMULATOR_FAIL=start)', async () => {
    const { world, model, call } = setup()
    await call('POST', `${base}/services?serviceId=api`, {
      template: {
        containers: [{ image: LOCAL_IMAGE, env: [{ name: 'EMULATOR_FAIL', value: 'start' }] }]
      }
    })
    world.now += DELAY
    const service = model.getService(serviceName('api'))
    expect(service?.terminalCondition).toMatchObject({
      state: 'CONDITION_FAILED',
      revisionReason: 'HEALTH_CHECK_CONTAINER_ERROR'
    })
    expect(service?.terminalCondition?.message).toContain(
      'The user-provided container failed to start and listen on the port defined provided by the PORT=8080 environment variable'
    )
  })

  it('validateOnly checks everything, answers a done operation and changes nothing', async () => {
    const { world, model, call } = setup()
    const validated = await call(
      'POST',
      `${base}/services?serviceId=api&validateOnly=true`,
      serviceBody(LOCAL_IMAGE)
    )
    expect(validated.status).toBe(200)
    expect(validated.body['done']).toBe(true)
    expect(validated.body['response']).toMatchObject({ name: serviceName('api'), generation: '1' })
    expect(model.getService(serviceName('api'))).toBeUndefined()
    expect(model.listRevisions(serviceName('api'))).toEqual([])
    world.revoke(DEPLOYER, 'iam.serviceAccounts.actAs')
    const denied = await call(
      'POST',
      `${base}/services?serviceId=api&validateOnly=true`,
      serviceBody(LOCAL_IMAGE)
    )
    expect(denied.status).toBe(403)
  })

  it('creates on PATCH with allowMissing, which then needs run.services.create', async () => {
    const { world, model, call } = setup()
    const absent = await call('PATCH', `${base}/services/api`, serviceBody(LOCAL_IMAGE))
    expect(absent.status).toBe(404)
    world.revoke(DEPLOYER, 'run.services.create')
    const denied = await call(
      'PATCH',
      `${base}/services/api?allowMissing=true`,
      serviceBody(LOCAL_IMAGE)
    )
    expect(errorOf(denied).message).toBe(
      "Permission 'run.services.create' denied on resource 'projects/myproject-a/locations/asia-northeast1' (or it may not exist)."
    )
    world.grant(DEPLOYER, 'run.services.create')
    const created = await call(
      'PATCH',
      `${base}/services/api?allowMissing=true`,
      serviceBody(LOCAL_IMAGE)
    )
    expect(created.status).toBe(200)
    expect(model.getService(serviceName('api'))?.generation).toBe('1')
  })

  it('seeds scenario services as deployed long ago', () => {
    const { model } = setup({
      services: [
        { name: serviceName('seeded'), template: { containers: [{ image: LOCAL_IMAGE }] } }
      ]
    })
    const seeded = model.getService(serviceName('seeded'))
    expect(seeded).toMatchObject({
      generation: '1',
      observedGeneration: '1',
      reconciling: false,
      uri: 'https://seeded-111111111111.asia-northeast1.run.app',
      terminalCondition: { state: 'CONDITION_SUCCEEDED' }
    })
    expect(seeded?.latestReadyRevision).toBe(seeded?.latestCreatedRevision)
    expect(model.getRevision(String(seeded?.latestReadyRevision))).toBeDefined()
  })
})

describe('jobs', () => {
  it("fails job creation with the seed's exact text and recovers once the agent may read", async () => {
    const { world, model, call } = setup()
    const created = await call('POST', `${base}/jobs?jobId=myjob`, jobBody(CROSS_IMAGE))
    expect(created.status).toBe(200)
    expect((created.body['metadata'] as Json)['@type']).toBe(
      'type.googleapis.com/google.cloud.run.v2.Job'
    )
    world.now += DELAY
    const operation = (await call('GET', operationPath(created.body['name']))).body
    // Seen as "Error code 13, message: Google Cloud Run Service Agent ..." for jobs (messages.ts).
    expect(operation['error']).toEqual({ code: 13, message: SEED_ERROR })
    const job = model.getJob(jobName('myjob'))
    expect(job?.terminalCondition).toEqual({
      type: 'Ready',
      state: 'CONDITION_FAILED',
      reason: 'CONTAINER_PERMISSION_DENIED',
      message: SEED_ERROR,
      lastTransitionTime: new Date(world.now).toISOString()
    })

    world.read('myproject-b/myrepo', AGENT_A)
    // jobs.patch has no updateMask: the front end cannot bind it.
    const masked = await call(
      'PATCH',
      `${base}/jobs/myjob?updateMask=template`,
      jobBody(CROSS_IMAGE)
    )
    expect(masked.status).toBe(400)
    expect(errorOf(masked).message).toBe(
      `Invalid JSON payload received. Unknown name "updateMask": Cannot bind query parameter. Field 'updateMask' could not be found in request message.`
    )
    const patched = await call('PATCH', `${base}/jobs/myjob`, jobBody(CROSS_IMAGE))
    expect(patched.status).toBe(200)
    world.now += DELAY
    expect(model.getJob(jobName('myjob'))).toMatchObject({
      generation: '2',
      observedGeneration: '2',
      reconciling: false,
      terminalCondition: { state: 'CONDITION_SUCCEEDED' }
    })
  })

  it('runs a job: the execution succeeds, or its tasks fail with EMULATOR_FAIL=task', async () => {
    const { world, model, call } = setup()
    await call('POST', `${base}/jobs?jobId=batch`, jobBody(LOCAL_IMAGE))
    world.now += DELAY
    const run = await call('POST', `${base}/jobs/batch:run`, {})
    expect(run.status).toBe(200)
    expect(run.body['done']).toBe(false)
    const metadata = run.body['metadata'] as Json
    expect(metadata['@type']).toBe('type.googleapis.com/google.cloud.run.v2.Execution')
    const executionName = String(metadata['name'])
    expect(executionName).toMatch(
      /^projects\/myproject-a\/locations\/asia-northeast1\/jobs\/batch\/executions\/batch-[a-z0-9]{5}$/
    )
    expect(model.getJob(jobName('batch'))).toMatchObject({
      executionCount: 1,
      latestCreatedExecution: { name: executionName, completionStatus: 'EXECUTION_RUNNING' }
    })
    world.now += DELAY
    const finished = (await call('GET', operationPath(run.body['name']))).body
    expect(finished['done']).toBe(true)
    expect(finished['response']).toMatchObject({
      name: executionName,
      succeededCount: 2,
      failedCount: 0
    })
    const executionId = executionName.split('/').pop() ?? ''
    const execution = (await call('GET', `${base}/jobs/batch/executions/${executionId}`)).body
    expect(execution).toMatchObject({
      taskCount: 2,
      succeededCount: 2,
      failedCount: 0,
      cancelledCount: 0,
      runningCount: 0,
      completionTime: new Date(world.now).toISOString(),
      job: 'batch'
    })
    expect(String(execution['logUri'])).toContain('console.cloud.google.com/logs')
    expect(execution['conditions']).toContainEqual(
      expect.objectContaining({ type: 'Completed', state: 'CONDITION_SUCCEEDED' })
    )
    expect(model.getJob(jobName('batch'))?.latestCreatedExecution?.completionStatus).toBe(
      'EXECUTION_SUCCEEDED'
    )

    // Overrides need run.jobs.runWithOverrides.
    const overrides = {
      overrides: {
        taskCount: 3,
        containerOverrides: [{ env: [{ name: 'EMULATOR_FAIL', value: 'task' }] }]
      }
    }
    const denied = await call('POST', `${base}/jobs/batch:run`, overrides)
    expect(denied.status).toBe(403)
    world.grant(DEPLOYER, 'run.jobs.runWithOverrides')
    const failing = await call('POST', `${base}/jobs/batch:run`, overrides)
    world.now += DELAY
    const failedOp = model.getOperation(String(failing.body['name']))
    const failedName = String((failing.body['metadata'] as Json)['name'])
    const failedId = failedName.split('/').pop() ?? ''
    expect(failedOp?.error).toEqual({
      code: 13,
      message: `Task ${failedId}-task0 failed with message: The container exited with an error.`
    })
    expect(model.getExecution(failedName)).toMatchObject({
      taskCount: 3,
      succeededCount: 0,
      failedCount: 3
    })
    expect(model.getExecution(failedName)?.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Completed',
        state: 'CONDITION_FAILED',
        executionReason: 'NON_ZERO_EXIT_CODE'
      })
    )
    expect(model.getJob(jobName('batch'))).toMatchObject({
      executionCount: 2,
      latestCreatedExecution: { name: failedName, completionStatus: 'EXECUTION_FAILED' }
    })
    // The job's own template is untouched by the overrides.
    expect(model.getJob(jobName('batch'))?.template?.template?.containers?.[0]?.env).toEqual([])
    expect(model.listExecutions(jobName('batch'))).toHaveLength(2)
  })

  it('fails an execution whose image the service agent can no longer read', async () => {
    const { world, model, call } = setup()
    world.read('myproject-b/myrepo', AGENT_A)
    await call('POST', `${base}/jobs?jobId=myjob`, jobBody(CROSS_IMAGE))
    world.now += DELAY
    world.readers.get('myproject-b/myrepo')?.delete(AGENT_A)
    const run = await call('POST', `${base}/jobs/myjob:run`)
    world.now += DELAY
    expect(model.getOperation(String(run.body['name']))?.error).toEqual({
      code: 13,
      message: SEED_ERROR
    })
    const execution = model.getExecution(String((run.body['metadata'] as Json)['name']))
    expect(execution?.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Completed',
        state: 'CONDITION_FAILED',
        reason: 'CONTAINER_PERMISSION_DENIED'
      })
    )
  })
})

describe('worker pools', () => {
  it('creates and updates a worker pool through revisions', async () => {
    const { world, model, call } = setup()
    const created = await call(
      'POST',
      `${base}/workerPools?workerPoolId=pool`,
      serviceBody(LOCAL_IMAGE)
    )
    expect(created.status).toBe(200)
    expect((created.body['metadata'] as Json)['@type']).toBe(
      'type.googleapis.com/google.cloud.run.v2.WorkerPool'
    )
    world.now += DELAY
    const pool = model.getWorkerPool(poolName('pool'))
    expect(pool).toMatchObject({
      reconciling: false,
      observedGeneration: '1',
      terminalCondition: { state: 'CONDITION_SUCCEEDED' },
      instanceSplits: [{ type: 'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST', percent: 100 }],
      instanceSplitStatuses: [{ type: 'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST', percent: 100 }]
    })
    expect(pool?.latestReadyRevision).toMatch(/workerPools\/pool\/revisions\/pool-00001-[a-z]{3}$/)

    const updated = await call(
      'PATCH',
      `${base}/workerPools/pool?updateMask=template`,
      serviceBody(CROSS_IMAGE)
    )
    expect(updated.status).toBe(200)
    world.now += DELAY
    const failed = model.getWorkerPool(poolName('pool'))
    expect(failed?.terminalCondition).toMatchObject({
      state: 'CONDITION_FAILED',
      reason: 'CONTAINER_PERMISSION_DENIED'
    })
    expect(failed?.terminalCondition?.message).toContain(SEED_ERROR)
    expect(failed?.latestReadyRevision).toBe(pool?.latestReadyRevision)
    const revisionId = String(failed?.latestCreatedRevision).split('/').pop()
    const revision = await call('GET', `${base}/workerPools/pool/revisions/${revisionId}`)
    expect(revision.body['conditions']).toContainEqual(
      expect.objectContaining({ reason: 'CONTAINER_PERMISSION_DENIED', message: SEED_ERROR })
    )
  })
})

describe('operations', () => {
  it('wait returns early with the operation still running, and at once when it is done', async () => {
    const { world, call } = setup()
    const created = await call('POST', `${base}/services?serviceId=api`, serviceBody(LOCAL_IMAGE))
    const wait = `${operationPath(created.body['name'])}:wait`
    let started = Date.now()
    const early = await call('POST', wait, { timeout: '0.1s' })
    expect(early.body['done']).toBe(false)
    expect(Date.now() - started).toBeLessThan(1000)

    // However long the caller asks for, a wait holds the request at most 2 s.
    started = Date.now()
    const capped = await call('POST', wait, { timeout: '600s' })
    expect(capped.body['done']).toBe(false)
    expect(Date.now() - started).toBeLessThan(3000)

    world.now += DELAY
    started = Date.now()
    const done = await call('POST', wait, { timeout: '10s' })
    expect(done.body['done']).toBe(true)
    expect(Date.now() - started).toBeLessThan(500)

    const malformed = await call('POST', wait, { timeout: 'soon' })
    expect(malformed.status).toBe(400)
    const unknown = await call('GET', `${base}/operations/00000000-0000-4000-8000-000000000000`)
    expect(unknown.status).toBe(404)
  })
})

// ---- content rules: traffic, volumes, revision names, output-only fields ------------------------

const LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST'
const BY_REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION'
const SPLIT_LATEST = 'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST'
const SPLIT_BY_REVISION = 'INSTANCE_SPLIT_ALLOCATION_TYPE_REVISION'
const template = (extra: Json = {}) => ({ containers: [{ image: LOCAL_IMAGE }], ...extra })
const violationOf = (reply: Reply) =>
  (reply.body['error'] as { details?: { fieldViolations?: unknown[] }[] }).details?.[0]
    ?.fieldViolations?.[0]

describe('content rules, as pure functions', () => {
  test.each<[string, KindSpec, Json, FieldViolation | undefined]>([
    ['no traffic: the default applies', SERVICE, {}, undefined],
    ['all to LATEST', SERVICE, { traffic: [{ type: LATEST, percent: 100 }] }, undefined],
    [
      'a split that adds up to 100',
      SERVICE,
      {
        traffic: [
          { type: BY_REVISION, revision: 'api-a', percent: 40 },
          { type: LATEST, percent: 60 }
        ]
      },
      undefined
    ],
    [
      'a split of 90',
      SERVICE,
      {
        traffic: [
          { type: BY_REVISION, revision: 'api-a', percent: 40 },
          { type: LATEST, percent: 50 }
        ]
      },
      { field: 'traffic', description: 'Traffic targets sum to 90, want 100' }
    ],
    [
      'a missing percent counts as 0',
      SERVICE,
      { traffic: [{ type: LATEST }] },
      { field: 'traffic', description: 'Traffic targets sum to 0, want 100' }
    ],
    [
      'LATEST twice, one tagged at 0% (what gcloud writes)',
      SERVICE,
      {
        traffic: [
          { type: LATEST, percent: 100 },
          { type: LATEST, tag: 'dev' }
        ]
      },
      undefined
    ],
    [
      'a tag used twice',
      SERVICE,
      {
        traffic: [
          { type: BY_REVISION, revision: 'api-a', percent: 50, tag: 'x' },
          { type: LATEST, percent: 50, tag: 'x' }
        ]
      },
      { field: 'traffic[1].tag', description: 'Multiple definitions for "x"' }
    ],
    [
      'worker pool splits of 50',
      WORKER_POOL,
      { instanceSplits: [{ type: SPLIT_LATEST, percent: 50 }] },
      { field: 'instanceSplits', description: 'Instance splits sum to 50, want 100' }
    ],
    [
      'worker pool splits that add up',
      WORKER_POOL,
      {
        instanceSplits: [
          { type: SPLIT_LATEST, percent: 30 },
          { type: SPLIT_BY_REVISION, revision: 'pool-a', percent: 70 }
        ]
      },
      undefined
    ],
    ['jobs split nothing', JOB, { template: { template: template() } }, undefined]
  ])('splits: %s', (_name, spec, desired, expected) => {
    expect(splitViolation(spec, desired)).toEqual(expected)
  })

  const mounted = (name: string) => ({
    image: LOCAL_IMAGE,
    volumeMounts: [{ name, mountPath: '/m' }]
  })
  test.each<[string, KindSpec, Json, FieldViolation | undefined]>([
    [
      'a mount of a declared volume',
      SERVICE,
      { template: { volumes: [{ name: 'data' }], containers: [mounted('data')] } },
      undefined
    ],
    [
      'a mount of an undeclared volume',
      SERVICE,
      { template: { containers: [mounted('data')] } },
      {
        field: 'template.containers[0].volumeMounts[0].name',
        description: 'volumeMount has no matching volume'
      }
    ],
    [
      "a sidecar's second mount",
      WORKER_POOL,
      {
        template: {
          volumes: [{ name: 'a' }],
          containers: [
            mounted('a'),
            { image: LOCAL_IMAGE, volumeMounts: [{ name: 'a' }, { name: 'b' }] }
          ]
        }
      },
      {
        field: 'template.containers[1].volumeMounts[1].name',
        description: 'volumeMount has no matching volume'
      }
    ],
    [
      'two volumes with one name',
      SERVICE,
      { template: { volumes: [{ name: 'data' }, { name: 'data' }], containers: [] } },
      { field: 'template.volumes[1].name', description: 'duplicate volume name "data"' }
    ],
    [
      "a job's task template",
      JOB,
      { template: { template: { volumes: [{ name: 'x' }], containers: [mounted('y')] } } },
      {
        field: 'template.template.containers[0].volumeMounts[0].name',
        description: 'volumeMount has no matching volume'
      }
    ]
  ])('volumes: %s', (_name, spec, desired, expected) => {
    expect(volumeViolation(spec, desired)).toEqual(expected)
  })

  const prefixed = {
    field: 'template.revision',
    description:
      'The revision name must be prefixed by the name of the enclosing Service or Configuration with a trailing -'
  }
  test.each<[string, KindSpec, string, string | undefined, FieldViolation | undefined]>([
    ['generated (no name)', SERVICE, 'api', undefined, undefined],
    ['<service>-<suffix>', SERVICE, 'api', 'api-green', undefined],
    ['another prefix', SERVICE, 'api', 'green', prefixed],
    ['the name without its hyphen', SERVICE, 'api', 'apigreen', prefixed],
    ['a worker pool', WORKER_POOL, 'pool', 'other-1', prefixed],
    ['jobs have no revisions', JOB, 'batch', 'anything', undefined]
  ])('revision names: %s', (_name, spec, id, revision, expected) => {
    expect(revisionNameViolation(spec, id, { template: template({ revision }) })).toEqual(expected)
  })

  test.each<[string, KindSpec, Json, string[], string[]]>([
    [
      'named revisions that exist',
      SERVICE,
      { traffic: [{ type: BY_REVISION, revision: 'api-a', percent: 100 }, { type: LATEST }] },
      ['api-a'],
      []
    ],
    [
      'a named revision that does not',
      SERVICE,
      { traffic: [{ type: BY_REVISION, revision: 'api-a', percent: 100 }] },
      [],
      ['api-a']
    ],
    [
      'an untyped entry naming a revision',
      SERVICE,
      { traffic: [{ revision: 'api-b', percent: 100 }] },
      ['api-a'],
      ['api-b']
    ],
    [
      'worker pool splits',
      WORKER_POOL,
      { instanceSplits: [{ type: SPLIT_BY_REVISION, revision: 'pool-z', percent: 100 }] },
      [],
      ['pool-z']
    ]
  ])('routes: %s', (_name, spec, resource, existing, missing) => {
    expect(missingSplitRevisions(spec, resource, new Set(existing))).toEqual(missing)
  })

  test('output-only fields nested in containers are cleared, the input left as it was', () => {
    const desired = { template: { containers: [{ image: LOCAL_IMAGE, buildInfo: { x: 1 } }] } }
    expect(withoutOutputOnly(SERVICE, desired)).toEqual({
      template: { containers: [{ image: LOCAL_IMAGE }] }
    })
    expect(desired.template.containers[0]?.buildInfo).toEqual({ x: 1 })
  })
})

describe('traffic and instance splits', () => {
  it('refuses traffic that does not add up to 100, or a tag used twice, writing nothing', async () => {
    const { model, call } = setup()
    const short = await call('POST', `${base}/services?serviceId=api`, {
      template: template(),
      traffic: [{ type: LATEST, percent: 90 }]
    })
    expect(short.status).toBe(400)
    expect(errorOf(short)).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: 'traffic: Traffic targets sum to 90, want 100'
    })
    expect(violationOf(short)).toEqual({
      field: 'traffic',
      description: 'Traffic targets sum to 90, want 100'
    })
    const tagged = await call('POST', `${base}/services?serviceId=api`, {
      template: template(),
      traffic: [
        { type: LATEST, percent: 100, tag: 'pr-1' },
        { type: LATEST, tag: 'pr-1' }
      ]
    })
    expect(errorOf(tagged).message).toBe('traffic[1].tag: Multiple definitions for "pr-1"')
    // A patch is held to the same rule.
    await call('POST', `${base}/services?serviceId=api`, serviceBody(LOCAL_IMAGE))
    const patched = await call('PATCH', `${base}/services/api?updateMask=traffic`, {
      traffic: [{ type: LATEST, percent: 101 }]
    })
    expect(errorOf(patched).message).toBe('traffic: Traffic targets sum to 101, want 100')
    expect(model.listOperations()).toHaveLength(1)
  })

  it('accepts several entries for LATEST, as gcloud writes a tag beside the percentage', async () => {
    const { world, model, call } = setup()
    const traffic = [
      { type: LATEST, percent: 100 },
      { type: LATEST, tag: 'dev' }
    ]
    const created = await call('POST', `${base}/services?serviceId=api`, {
      template: template(),
      traffic
    })
    expect(created.status).toBe(200)
    world.now += DELAY
    expect(model.getService(serviceName('api'))?.trafficStatuses).toEqual([
      { type: LATEST, percent: 100 },
      {
        type: LATEST,
        percent: 0,
        tag: 'dev',
        uri: 'https://dev---api-111111111111.asia-northeast1.run.app'
      }
    ])
  })

  it('routes to the revision the same request creates, by its name', async () => {
    const { world, model, call } = setup()
    const created = await call('POST', `${base}/services?serviceId=api`, {
      template: template({ revision: 'api-green' }),
      traffic: [{ type: BY_REVISION, revision: 'api-green', percent: 100 }]
    })
    world.now += DELAY
    expect(model.getOperation(String(created.body['name']))?.error).toBeUndefined()
    expect(model.getService(serviceName('api'))).toMatchObject({
      latestReadyRevision: `${serviceName('api')}/revisions/api-green`,
      terminalCondition: { state: 'CONDITION_SUCCEEDED' },
      trafficStatuses: [{ type: BY_REVISION, revision: 'api-green', percent: 100 }]
    })
  })

  it("accepts traffic naming a missing revision, then fails the operation with Cloud Run's text", async () => {
    const { world, model, call } = setup()
    await call('POST', `${base}/services?serviceId=api`, serviceBody(LOCAL_IMAGE))
    world.now += DELAY
    const before = model.getService(serviceName('api'))
    const patched = await call('PATCH', `${base}/services/api`, {
      template: template({ revision: 'api-blue' }),
      traffic: [
        { type: BY_REVISION, revision: 'api-green', percent: 50 },
        { type: LATEST, percent: 50 }
      ]
    })
    // Verified: the request is accepted; the operation fails (terraform-docs-samples#269).
    expect(patched.status).toBe(200)
    world.now += DELAY
    const message =
      "Revision 'api-green' does not exist or is deleted. Update all traffic to route to currently available revisions."
    expect(model.getOperation(String(patched.body['name']))?.error).toEqual({ code: 13, message })
    const after = model.getService(serviceName('api'))
    expect(after?.terminalCondition).toMatchObject({ state: 'CONDITION_FAILED', message })
    expect(after?.conditions?.map(c => [c.type, c.state])).toEqual([
      ['RoutesReady', 'CONDITION_FAILED'],
      ['ConfigurationsReady', 'CONDITION_SUCCEEDED']
    ])
    // The new revision started; the traffic served stays as it was.
    expect(after?.latestReadyRevision).toBe(`${serviceName('api')}/revisions/api-blue`)
    expect(after?.trafficStatuses).toEqual(before?.trafficStatuses)
  })

  it('refuses worker pool instance splits that do not add up to 100', async () => {
    const { world, model, call } = setup()
    const refused = await call('POST', `${base}/workerPools?workerPoolId=pool`, {
      template: template(),
      instanceSplits: [{ type: SPLIT_LATEST, percent: 50 }]
    })
    expect(refused.status).toBe(400)
    expect(errorOf(refused).message).toBe('instanceSplits: Instance splits sum to 50, want 100')
    await call('POST', `${base}/workerPools?workerPoolId=pool`, serviceBody(LOCAL_IMAGE))
    world.now += DELAY
    const missing = await call('PATCH', `${base}/workerPools/pool?updateMask=instanceSplits`, {
      instanceSplits: [{ type: SPLIT_BY_REVISION, revision: 'pool-gone', percent: 100 }]
    })
    expect(missing.status).toBe(200)
    world.now += DELAY
    expect(model.getOperation(String(missing.body['name']))?.error?.message).toBe(
      "Revision 'pool-gone' does not exist or is deleted. Update all traffic to route to currently available revisions."
    )
  })
})

describe('volumes', () => {
  const kinds: [string, string, (body: Json) => Json][] = [
    ['services', 'services?serviceId=vol', t => ({ template: t })],
    ['worker pools', 'workerPools?workerPoolId=vol', t => ({ template: t })],
    ['jobs', 'jobs?jobId=vol', t => ({ template: { template: t } })]
  ]
  test.each(kinds)(
    '%s: a mount names a declared volume, volume names are unique',
    async (_kind, create, wrap) => {
      const { model, call } = setup()
      const prefix = create.startsWith('jobs') ? 'template.template' : 'template'
      const mount = { name: 'data', mountPath: '/data' }
      const undeclared = await call(
        'POST',
        `${base}/${create}`,
        wrap({ containers: [{ image: LOCAL_IMAGE, volumeMounts: [mount] }] })
      )
      expect(undeclared.status).toBe(400)
      expect(errorOf(undeclared)).toMatchObject({
        status: 'INVALID_ARGUMENT',
        message: `${prefix}.containers[0].volumeMounts[0].name: volumeMount has no matching volume`
      })
      const twice = await call(
        'POST',
        `${base}/${create}`,
        wrap({
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'data', emptyDir: {} }
          ],
          containers: [{ image: LOCAL_IMAGE, volumeMounts: [mount] }]
        })
      )
      expect(errorOf(twice).message).toBe(`${prefix}.volumes[1].name: duplicate volume name "data"`)
      expect(model.listOperations()).toEqual([])
      const declared = await call(
        'POST',
        `${base}/${create}`,
        wrap({
          volumes: [{ name: 'data', emptyDir: {} }],
          containers: [{ image: LOCAL_IMAGE, volumeMounts: [mount] }]
        })
      )
      expect(declared.status).toBe(200)
    }
  )
})

describe('revisions', () => {
  it("a service's revision name starts with the service's name and a hyphen", async () => {
    const { model, call } = setup()
    const refused = await call('POST', `${base}/services?serviceId=api`, {
      template: template({ revision: 'green' })
    })
    expect(refused.status).toBe(400)
    expect(violationOf(refused)).toEqual({
      field: 'template.revision',
      description:
        'The revision name must be prefixed by the name of the enclosing Service or Configuration with a trailing -'
    })
    expect(model.getService(serviceName('api'))).toBeUndefined()
    const named = await call('POST', `${base}/services?serviceId=api`, {
      template: template({ revision: 'api-green' })
    })
    expect(named.status).toBe(200)
  })

  it('worker pools: an identical template makes no revision, unless forced or newly named', async () => {
    const { world, model, call } = setup()
    await call('POST', `${base}/workerPools?workerPoolId=pool`, serviceBody(LOCAL_IMAGE))
    world.now += DELAY
    const revisions = () => model.listRevisions(poolName('pool')).map(r => r.name?.split('/').pop())
    expect(revisions()).toHaveLength(1)
    await call('PATCH', `${base}/workerPools/pool`, serviceBody(LOCAL_IMAGE))
    world.now += DELAY
    expect(revisions()).toHaveLength(1)
    await call('PATCH', `${base}/workerPools/pool?forceNewRevision=true`, serviceBody(LOCAL_IMAGE))
    world.now += DELAY
    expect(revisions()).toHaveLength(2)
    await call('PATCH', `${base}/workerPools/pool`, {
      template: template({ revision: 'pool-named' })
    })
    world.now += DELAY
    expect(revisions()).toHaveLength(3)
    expect(revisions().at(-1)).toBe('pool-named')
    expect(model.getWorkerPool(poolName('pool'))?.latestReadyRevision).toBe(
      `${poolName('pool')}/revisions/pool-named`
    )
  })

  it('jobs have no revisions: a redeploy moves the generation, forceNewRevision is refused', async () => {
    const { world, model, call } = setup()
    await call('POST', `${base}/jobs?jobId=batch`, jobBody(LOCAL_IMAGE))
    world.now += DELAY
    const same = await call('PATCH', `${base}/jobs/batch`, jobBody(LOCAL_IMAGE))
    expect(same.status).toBe(200)
    world.now += DELAY
    expect(model.getJob(jobName('batch'))).toMatchObject({
      generation: '2',
      observedGeneration: '2'
    })
    expect(model.listRevisions(jobName('batch'))).toEqual([])
    const forced = await call(
      'PATCH',
      `${base}/jobs/batch?forceNewRevision=true`,
      jobBody(LOCAL_IMAGE)
    )
    expect(forced.status).toBe(400)
    expect(errorOf(forced).message).toBe(
      `Invalid JSON payload received. Unknown name "forceNewRevision": Cannot bind query parameter. Field 'forceNewRevision' could not be found in request message.`
    )
  })
})

describe('output-only fields sent back', () => {
  it('are ignored, as AIP-203 requires: no error, nothing stored, no new revision', async () => {
    const { world, model, call } = setup()
    await call('POST', `${base}/services?serviceId=api`, serviceBody(LOCAL_IMAGE))
    world.now += DELAY
    const read = (await call('GET', `${base}/services/api`)).body
    const readTemplate = read['template'] as { containers: Json[] }
    const sentBack = {
      ...read,
      threatDetectionEnabled: true,
      template: {
        ...readTemplate,
        containers: readTemplate.containers.map(c => ({
          ...c,
          buildInfo: { functionTarget: 'main', sourceLocation: 'gs://x/y.zip' }
        }))
      }
    }
    const patched = await call('PATCH', `${base}/services/api`, sentBack)
    expect(patched.status).toBe(200)
    world.now += DELAY
    const service = model.getService(serviceName('api'))
    expect(service?.threatDetectionEnabled).toBeUndefined()
    expect(service?.template?.containers?.[0]?.buildInfo).toBeUndefined()
    expect(model.listRevisions(serviceName('api'))).toHaveLength(1)

    const pool = await call('POST', `${base}/workerPools?workerPoolId=pool`, {
      ...serviceBody(LOCAL_IMAGE),
      threatDetectionEnabled: true,
      instanceSplitStatuses: [{ type: SPLIT_LATEST, percent: 100 }]
    })
    expect(pool.status).toBe(200)
    expect(model.getWorkerPool(poolName('pool'))?.threatDetectionEnabled).toBeUndefined()
    expect(model.getWorkerPool(poolName('pool'))?.instanceSplitStatuses).toBeUndefined()
  })
})

describe('operations.wait that answers at once', () => {
  it('with waitReturnsAtOnce, answers the current state at once, done or not', async () => {
    const { world, call } = setup()
    world.options = { ...world.options, waitReturnsAtOnce: true }
    const created = await call('POST', `${base}/services?serviceId=api`, serviceBody(LOCAL_IMAGE))
    const wait = `${operationPath(created.body['name'])}:wait`
    const started = Date.now()
    const early = await call('POST', wait, { timeout: '600s' })
    expect(early.status).toBe(200)
    expect(early.body['done']).toBe(false)
    expect(Date.now() - started).toBeLessThan(200)
    world.now += DELAY
    expect((await call('POST', wait, { timeout: '600s' })).body['done']).toBe(true)
  })
})
