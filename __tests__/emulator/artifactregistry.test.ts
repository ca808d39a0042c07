/**
 * Artifact Registry: repositories, tags of nested packages (%2F vs the client's %252F), and the pull
 * Cloud Run's service agent performs, including through virtual and remote repositories.
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
import {
  CACHED_REMOTE_IMAGE,
  REMOTE_IMAGE,
  REMOTE_REPOSITORY,
  REMOTE_VIRTUAL_IMAGE,
  remote,
  UPSTREAM_DIGESTS
} from '../../emulator/scenarios/remote.js'
import { digest, variant, withBinding } from '../../emulator/scenarios/helpers.js'

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

describe('a remote repository (Docker Hub upstream)', () => {
  const nginx = `/v1/${REMOTE_REPOSITORY}/packages/library%2Fnginx`
  const tag = (name: string) => `${nginx}/tags/${name}`
  const version = (sha: string) => `${nginx}/versions/${encodeURIComponent(sha)}`
  const REMOTE_DENIED_BODY =
    '{"errors":[{"code":"DENIED","message":"Permission \\"artifactregistry.repositories.downloadArtifacts\\" denied on resource \\"projects/myproject-b/locations/asia-northeast1/repositories/dockerhub\\" (or it may not exist)"}]}'

  test('repositories.get shows the mode and the upstream', async () => {
    emulator = await startEmulator('remote')
    const { status, body } = await get(
      `/v1/${REMOTE_REPOSITORY}`,
      emulator.issueAccessToken(DEPLOYER)
    )
    expect(status).toBe(200)
    expect(body).toEqual({
      name: REMOTE_REPOSITORY,
      format: 'DOCKER',
      mode: 'REMOTE_REPOSITORY',
      createTime: expect.any(String),
      updateTime: expect.any(String),
      registryUri: 'asia-northeast1-docker.pkg.dev/myproject-b/dockerhub',
      remoteRepositoryConfig: {
        description: 'Docker Hub',
        dockerRepository: { publicRepository: 'DOCKER_HUB' }
      }
    })
  })

  test('the API knows only the cache: a tag the upstream holds is a 404 until a pull fetches it', async () => {
    emulator = await startEmulator('remote')
    const token = emulator.issueAccessToken(DEPLOYER)
    expect((await get(tag('1.26'), token)).status).toBe(200)
    const before = await get(tag('1.27'), token)
    expect(before.status).toBe(404)
    expect(before.body).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } })
    expect((await get(version(UPSTREAM_DIGESTS['1.27']), token)).status).toBe(404)

    // The service agent may not read the repository: its pull is denied and caches nothing.
    expect(emulator.pullImage(SERVICE_AGENT, REMOTE_IMAGE)).toEqual({
      ok: false,
      reason: 'denied',
      registryBody: REMOTE_DENIED_BODY,
      manifestUrl:
        'https://asia-northeast1-docker.pkg.dev/v2/myproject-b/dockerhub/library/nginx/manifests/1.27',
      imageProject: 'myproject-b'
    })
    expect((await get(tag('1.27'), token)).status).toBe(404)

    // The deployer may: the repository fetches 1.27 from Docker Hub and caches it.
    expect(emulator.pullImage(DEPLOYER, REMOTE_IMAGE)).toEqual({
      ok: true,
      digest: UPSTREAM_DIGESTS['1.27']
    })
    const after = await get(tag('1.27'), token)
    expect(after.status).toBe(200)
    expect(after.body).toEqual({
      name: `${REMOTE_REPOSITORY}/packages/library%2Fnginx/tags/1.27`,
      version: `${REMOTE_REPOSITORY}/packages/library%2Fnginx/versions/${UPSTREAM_DIGESTS['1.27']}`
    })
    expect((await get(version(UPSTREAM_DIGESTS['1.27']), token)).status).toBe(200)
  })

  test.each([
    ['a tag the upstream lacks', `${REMOTE_IMAGE.replace(/:1\.27$/, '')}:9.99`, '9.99'],
    ['an image the upstream lacks', REMOTE_IMAGE.replace('library/nginx', 'library/nope'), '1.27']
  ])('a pull of %s is not-found, and caches nothing', async (_, image, reference) => {
    emulator = await startEmulator('remote')
    expect(emulator.pullImage(DEPLOYER, image)).toMatchObject({
      ok: false,
      reason: 'not-found',
      registryBody: expect.stringContaining('MANIFEST_UNKNOWN'),
      imageProject: 'myproject-b'
    })
    expect((await get(tag(reference), emulator.issueAccessToken(DEPLOYER))).status).toBe(404)
  })

  test('a pull by digest caches the version, not a tag', async () => {
    emulator = await startEmulator('remote')
    const token = emulator.issueAccessToken(DEPLOYER)
    const byDigest = `${REMOTE_IMAGE.replace(/:1\.27$/, '')}@${UPSTREAM_DIGESTS.latest}`
    expect(emulator.pullImage(DEPLOYER, byDigest)).toEqual({
      ok: true,
      digest: UPSTREAM_DIGESTS.latest
    })
    expect((await get(version(UPSTREAM_DIGESTS.latest), token)).status).toBe(200)
    expect((await get(tag('latest'), token)).status).toBe(404)
  })

  test('packages.get answers for a cached package only', async () => {
    const reader = 'projects/myproject-b/roles/packageReader'
    emulator = await startEmulator(
      variant(
        {
          ...remote,
          customRoles: [
            {
              name: reader,
              title: 'Package reader',
              includedPermissions: ['artifactregistry.packages.get']
            }
          ]
        },
        'remote-packages',
        'remote, with the deployer allowed packages.get',
        s => withBinding(s, REMOTE_REPOSITORY, reader, DEPLOYER),
        s => ({
          ...s,
          repositories: s.repositories?.map(r =>
            r.name === REMOTE_REPOSITORY
              ? {
                  ...r,
                  upstreamImages: {
                    ...r.upstreamImages,
                    'library/busybox': { latest: digest('busybox:latest') }
                  }
                }
              : r
          )
        })
      )
    )
    const token = emulator.issueAccessToken(DEPLOYER)
    const busybox = `/v1/${REMOTE_REPOSITORY}/packages/library%2Fbusybox`
    expect((await get(nginx, token)).body).toEqual({
      name: `${REMOTE_REPOSITORY}/packages/library%2Fnginx`,
      createTime: expect.any(String),
      updateTime: expect.any(String)
    })
    expect((await get(busybox, token)).status).toBe(404)
    const busyboxImage = REMOTE_IMAGE.replace('library/nginx:1.27', 'library/busybox')
    expect(emulator.pullImage(DEPLOYER, busyboxImage)).toMatchObject({ ok: true })
    expect((await get(busybox, token)).status).toBe(200)
    expect((await get(`${busybox}/tags/latest`, token)).status).toBe(200)
    // Without the permission, Google's 403 (the fixture's reader role has no packages.get).
    expect((await get(busybox, emulator.issueAccessToken(SERVICE_AGENT))).status).toBe(403)
  })

  test('remote-granted: the service agent pulls, and its pull fills the cache', async () => {
    emulator = await startEmulator('remote-granted')
    expect(emulator.pullImage(SERVICE_AGENT, CACHED_REMOTE_IMAGE)).toEqual({
      ok: true,
      digest: UPSTREAM_DIGESTS['1.26']
    })
    expect(emulator.pullImage(SERVICE_AGENT, REMOTE_IMAGE)).toEqual({
      ok: true,
      digest: UPSTREAM_DIGESTS['1.27']
    })
    expect((await get(tag('1.27'), emulator.issueAccessToken(DEPLOYER))).status).toBe(200)
  })

  test("through a virtual repository: Artifact Registry's service agent needs read on the remote one", async () => {
    emulator = await startEmulator('remote-virtual')
    const token = emulator.issueAccessToken(DEPLOYER)
    expect(emulator.pullImage(SERVICE_AGENT, REMOTE_VIRTUAL_IMAGE)).toMatchObject({
      ok: false,
      reason: 'denied',
      registryBody: REMOTE_DENIED_BODY
    })
    expect((await get(tag('1.27'), token)).status).toBe(404)
    await emulator.close()

    emulator = await startEmulator('remote-virtual-granted')
    expect(emulator.pullImage(SERVICE_AGENT, REMOTE_VIRTUAL_IMAGE)).toEqual({
      ok: true,
      digest: UPSTREAM_DIGESTS['1.27']
    })
    // The remote repository behind the virtual one cached what it fetched.
    expect((await get(tag('1.27'), emulator.issueAccessToken(DEPLOYER))).status).toBe(200)
    expect(
      emulator.pullImage(SERVICE_AGENT, REMOTE_VIRTUAL_IMAGE.replace(':1.27', ':9.99'))
    ).toMatchObject({ ok: false, reason: 'not-found' })
  })
})
