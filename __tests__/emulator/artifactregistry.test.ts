/**
 * Artifact Registry: repositories, tags of nested packages (%2F vs the client's %252F), and the pull
 * Cloud Run's service agent performs, including through a virtual repository.
 */
import { startEmulator, type Emulator } from '../../emulator/server.js'
import {
  AR_SERVICE_AGENT,
  DEPLOYER,
  IMAGE,
  IMAGE_DIGESTS,
  REPOSITORY,
  SERVICE_AGENT,
  VIRTUAL_IMAGE,
  VIRTUAL_REPOSITORY
} from '../../emulator/scenarios/seed.js'
import { DOMAIN_IMAGE, GCR_IMAGE } from '../../emulator/scenarios/registries.js'
import { digest } from '../../emulator/scenarios/helpers.js'

/** REFERENCE.md's registry answer, verbatim. */
const DENIED_BODY =
  '{"errors":[{"code":"DENIED","message":"Permission \\"artifactregistry.repositories.downloadArtifacts\\" denied on resource \\"projects/myproject-b/locations/asia-northeast1/repositories/myrepo\\" (or it may not exist)"}]}'

let emulator: Emulator

async function get(path: string, token: string) {
  const response = await fetch(new URL(path, emulator.url), {
    headers: { authorization: `Bearer ${token}` }
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

afterEach(() => emulator.close())

describe('the seed', () => {
  beforeEach(async () => {
    emulator = await startEmulator('seed')
  })

  test('repositories.get', async () => {
    const { status, body } = await get(`/v1/${REPOSITORY}`, emulator.issueAccessToken(DEPLOYER))
    expect(status).toBe(200)
    expect(body).toMatchObject({
      name: REPOSITORY,
      format: 'DOCKER',
      mode: 'STANDARD_REPOSITORY',
      registryUri: 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo'
    })
  })

  test('tags.get resolves a tag to a version; a nested package needs %2F, and %252F is a 404', async () => {
    const token = emulator.issueAccessToken(DEPLOYER)
    const tag = await get(`/v1/${REPOSITORY}/packages/myjob/tags/v1`, token)
    expect(tag.body).toEqual({
      name: `${REPOSITORY}/packages/myjob/tags/v1`,
      version: `${REPOSITORY}/packages/myjob/versions/${IMAGE_DIGESTS.v1}`
    })
    const nested = await get(`/v1/${REPOSITORY}/packages/team%2Fapi/tags/latest`, token)
    expect(nested.status).toBe(200)
    expect(nested.body.version).toBe(
      `${REPOSITORY}/packages/team%2Fapi/versions/${digest('team/api:latest')}`
    )
    const doubleEncoded = await get(`/v1/${REPOSITORY}/packages/team%252Fapi/tags/latest`, token)
    expect(doubleEncoded.status).toBe(404)
    expect(doubleEncoded.body).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } })

    const version = await get(
      `/v1/${REPOSITORY}/packages/myjob/versions/${encodeURIComponent(IMAGE_DIGESTS.latest)}`,
      token
    )
    expect(version.body).toMatchObject({
      name: `${REPOSITORY}/packages/myjob/versions/${IMAGE_DIGESTS.latest}`
    })
  })

  test('testIamPermissions answers the subset held, with no permission needed', async () => {
    const ask = (member: string) =>
      fetch(new URL(`v1/${REPOSITORY}:testIamPermissions`, emulator.url), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${emulator.issueAccessToken(member)}`,
          'content-type': 'application/json'
        },
        body: JSON.stringify({
          permissions: [
            'artifactregistry.repositories.downloadArtifacts',
            'artifactregistry.repositories.setIamPolicy'
          ]
        })
      }).then(r => r.json())
    expect(await ask(DEPLOYER)).toEqual({
      permissions: ['artifactregistry.repositories.downloadArtifacts']
    })
    expect(await ask(SERVICE_AGENT)).toEqual({})
  })

  test("the service agent's pull is denied with the registry's own body", () => {
    expect(emulator.pullImage(SERVICE_AGENT, IMAGE)).toEqual({
      ok: false,
      reason: 'denied',
      registryBody: DENIED_BODY,
      manifestUrl:
        'https://asia-northeast1-docker.pkg.dev/v2/myproject-b/myrepo/myjob/manifests/latest',
      imageProject: 'myproject-b'
    })
    expect(emulator.pullImage(DEPLOYER, `${IMAGE}:v1`)).toEqual({
      ok: true,
      digest: IMAGE_DIGESTS.v1
    })
    expect(emulator.pullImage(DEPLOYER, `${IMAGE}@${IMAGE_DIGESTS.latest}`)).toEqual({
      ok: true,
      digest: IMAGE_DIGESTS.latest
    })
    expect(emulator.pullImage(DEPLOYER, `${IMAGE}:nope`)).toMatchObject({
      ok: false,
      reason: 'not-found',
      registryBody: expect.stringContaining('MANIFEST_UNKNOWN')
    })
    expect(emulator.pullImage(SERVICE_AGENT, 'nginx:1.27')).toMatchObject({ ok: true })
    expect(emulator.pullImage(SERVICE_AGENT, 'docker.io/library/nginx')).toMatchObject({ ok: true })
  })
})

test('seed-granted: the service agent can pull', async () => {
  emulator = await startEmulator('seed-granted')
  expect(emulator.pullImage(SERVICE_AGENT, IMAGE)).toEqual({
    ok: true,
    digest: IMAGE_DIGESTS.latest
  })
})

describe('a virtual repository', () => {
  test("an upstream Artifact Registry's service agent cannot read denies the pull", async () => {
    emulator = await startEmulator('virtual-upstream')
    const token = emulator.issueAccessToken(DEPLOYER)
    expect((await get(`/v1/${VIRTUAL_REPOSITORY}`, token)).body).toMatchObject({
      mode: 'VIRTUAL_REPOSITORY',
      virtualRepositoryConfig: {
        upstreamPolicies: [{ id: 'myrepo', repository: REPOSITORY, priority: 1 }]
      }
    })
    // Cloud Run's service agent reads the virtual repository through run.serviceAgent on myproject-a...
    const pull = emulator.pullImage(SERVICE_AGENT, VIRTUAL_IMAGE)
    // ...but Artifact Registry's agent cannot read the upstream that holds the image.
    expect(pull).toMatchObject({ ok: false, reason: 'denied', registryBody: DENIED_BODY })
  })

  test('with the Artifact Registry service agent granted on the upstream, the pull works', async () => {
    emulator = await startEmulator('virtual-upstream-granted')
    expect(emulator.pullImage(SERVICE_AGENT, VIRTUAL_IMAGE)).toEqual({
      ok: true,
      digest: IMAGE_DIGESTS.latest
    })
    expect(emulator.pullImage(AR_SERVICE_AGENT, VIRTUAL_IMAGE)).toMatchObject({
      ok: false,
      reason: 'denied'
    })
  })
})

describe('registry spellings', () => {
  beforeEach(async () => {
    emulator = await startEmulator('registries')
  })

  test('a domain-scoped project: the colon in names, percent-encoded or not', async () => {
    const token = emulator.issueAccessToken(DEPLOYER)
    for (const project of ['example.com:myproject-c', 'example.com%3Amyproject-c']) {
      const { status, body } = await get(
        `/v1/projects/${project}/locations/us/repositories/images`,
        token
      )
      expect(status).toBe(200)
      expect(body).toMatchObject({
        name: 'projects/example.com:myproject-c/locations/us/repositories/images',
        registryUri: 'us-docker.pkg.dev/example.com/myproject-c/images'
      })
    }
    expect(emulator.pullImage(DEPLOYER, DOMAIN_IMAGE)).toEqual({
      ok: true,
      digest: digest('tool:1.0')
    })
    expect(emulator.pullImage(SERVICE_AGENT, DOMAIN_IMAGE)).toMatchObject({
      ok: false,
      reason: 'denied',
      imageProject: 'example.com:myproject-c',
      registryBody: expect.stringContaining(
        'denied on resource \\"projects/example.com:myproject-c/locations/us/repositories/images\\"'
      ),
      manifestUrl: 'https://us-docker.pkg.dev/v2/example.com/myproject-c/images/tool/manifests/1.0'
    })
  })

  test('gcr.io is a repository named gcr.io in location us', async () => {
    const token = emulator.issueAccessToken(DEPLOYER)
    const { body } = await get('/v1/projects/myproject-b/locations/us/repositories/gcr.io', token)
    expect(body).toMatchObject({ registryUri: 'gcr.io/myproject-b' })
    expect(emulator.pullImage(DEPLOYER, GCR_IMAGE)).toEqual({
      ok: true,
      digest: digest('legacy:latest')
    })
    expect(emulator.pullImage(SERVICE_AGENT, GCR_IMAGE)).toMatchObject({
      ok: false,
      reason: 'denied',
      manifestUrl: 'https://gcr.io/v2/myproject-b/legacy/manifests/latest'
    })
  })
})
