import { ImageReferenceError, parseImageReference, type ImageReference } from '../../src/image.js'

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`

type Expected = Omit<ImageReference, 'raw'>

const none = { location: undefined, project: undefined, repository: undefined }

describe('parseImageReference accepts', () => {
  test.each<[string, Expected]>([
    // Artifact Registry, regional and multi-regional
    [
      'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob',
      {
        kind: 'artifact-registry',
        host: 'asia-northeast1-docker.pkg.dev',
        location: 'asia-northeast1',
        project: 'myproject-b',
        repository: 'myrepo',
        imagePath: 'myjob',
        tag: undefined,
        digest: undefined
      }
    ],
    [
      'northamerica-northeast1-docker.pkg.dev/my-project/repo/app:v1',
      {
        kind: 'artifact-registry',
        host: 'northamerica-northeast1-docker.pkg.dev',
        location: 'northamerica-northeast1',
        project: 'my-project',
        repository: 'repo',
        imagePath: 'app',
        tag: 'v1',
        digest: undefined
      }
    ],
    [
      'us-docker.pkg.dev/my-project/repo/team/api/server:v1.2.3',
      {
        kind: 'artifact-registry',
        host: 'us-docker.pkg.dev',
        location: 'us',
        project: 'my-project',
        repository: 'repo',
        imagePath: 'team/api/server',
        tag: 'v1.2.3',
        digest: undefined
      }
    ],
    [
      `europe-docker.pkg.dev/my-project/repo/img@${DIGEST}`,
      {
        kind: 'artifact-registry',
        host: 'europe-docker.pkg.dev',
        location: 'europe',
        project: 'my-project',
        repository: 'repo',
        imagePath: 'img',
        tag: undefined,
        digest: DIGEST
      }
    ],
    [
      `asia-docker.pkg.dev/my-project/repo/img:v1@${DIGEST}`,
      {
        kind: 'artifact-registry',
        host: 'asia-docker.pkg.dev',
        location: 'asia',
        project: 'my-project',
        repository: 'repo',
        imagePath: 'img',
        tag: 'v1',
        digest: DIGEST
      }
    ],
    [
      'us-central1-docker.pkg.dev/p-1234/r/a__b.c-d---e_f:_Tag.1-x',
      {
        kind: 'artifact-registry',
        host: 'us-central1-docker.pkg.dev',
        location: 'us-central1',
        project: 'p-1234',
        repository: 'r',
        imagePath: 'a__b.c-d---e_f',
        tag: '_Tag.1-x',
        digest: undefined
      }
    ],
    // Domain-scoped project: the colon becomes a slash in the URL
    [
      'us-docker.pkg.dev/example.com/my-proj/repo/img',
      {
        kind: 'artifact-registry',
        host: 'us-docker.pkg.dev',
        location: 'us',
        project: 'example.com:my-proj',
        repository: 'repo',
        imagePath: 'img',
        tag: undefined,
        digest: undefined
      }
    ],
    // gcr.io hosts, served by Artifact Registry
    [
      'gcr.io/my-project/app:latest',
      {
        kind: 'artifact-registry',
        host: 'gcr.io',
        location: 'us',
        project: 'my-project',
        repository: 'gcr.io',
        imagePath: 'app',
        tag: 'latest',
        digest: undefined
      }
    ],
    [
      'us.gcr.io/my-project/app',
      {
        kind: 'artifact-registry',
        host: 'us.gcr.io',
        location: 'us',
        project: 'my-project',
        repository: 'us.gcr.io',
        imagePath: 'app',
        tag: undefined,
        digest: undefined
      }
    ],
    [
      'eu.gcr.io/my-project/team/app:1',
      {
        kind: 'artifact-registry',
        host: 'eu.gcr.io',
        location: 'europe',
        project: 'my-project',
        repository: 'eu.gcr.io',
        imagePath: 'team/app',
        tag: '1',
        digest: undefined
      }
    ],
    [
      `asia.gcr.io/my-project/app@${DIGEST}`,
      {
        kind: 'artifact-registry',
        host: 'asia.gcr.io',
        location: 'asia',
        project: 'my-project',
        repository: 'asia.gcr.io',
        imagePath: 'app',
        tag: undefined,
        digest: DIGEST
      }
    ],
    [
      'gcr.io/example.com/my-proj/img',
      {
        kind: 'artifact-registry',
        host: 'gcr.io',
        location: 'us',
        project: 'example.com:my-proj',
        repository: 'gcr.io',
        imagePath: 'img',
        tag: undefined,
        digest: undefined
      }
    ],
    // Docker Hub, with and without a host
    [
      'nginx',
      {
        ...none,
        kind: 'docker-hub',
        host: 'docker.io',
        imagePath: 'library/nginx',
        tag: undefined,
        digest: undefined
      }
    ],
    [
      'nginx:1.27-alpine',
      {
        ...none,
        kind: 'docker-hub',
        host: 'docker.io',
        imagePath: 'library/nginx',
        tag: '1.27-alpine',
        digest: undefined
      }
    ],
    [
      'library/nginx:1.27',
      {
        ...none,
        kind: 'docker-hub',
        host: 'docker.io',
        imagePath: 'library/nginx',
        tag: '1.27',
        digest: undefined
      }
    ],
    [
      'user/app',
      {
        ...none,
        kind: 'docker-hub',
        host: 'docker.io',
        imagePath: 'user/app',
        tag: undefined,
        digest: undefined
      }
    ],
    [
      'docker.io/user/app:tag',
      {
        ...none,
        kind: 'docker-hub',
        host: 'docker.io',
        imagePath: 'user/app',
        tag: 'tag',
        digest: undefined
      }
    ],
    [
      'index.docker.io/nginx',
      {
        ...none,
        kind: 'docker-hub',
        host: 'docker.io',
        imagePath: 'library/nginx',
        tag: undefined,
        digest: undefined
      }
    ],
    [
      `registry-1.docker.io/library/redis:7@${DIGEST}`,
      {
        ...none,
        kind: 'docker-hub',
        host: 'docker.io',
        imagePath: 'library/redis',
        tag: '7',
        digest: DIGEST
      }
    ],
    // Other registries
    [
      'ghcr.io/owner/image:main',
      {
        ...none,
        kind: 'other',
        host: 'ghcr.io',
        imagePath: 'owner/image',
        tag: 'main',
        digest: undefined
      }
    ],
    [
      'localhost:5000/x',
      {
        ...none,
        kind: 'other',
        host: 'localhost:5000',
        imagePath: 'x',
        tag: undefined,
        digest: undefined
      }
    ],
    [
      'localhost/app:dev',
      {
        ...none,
        kind: 'other',
        host: 'localhost',
        imagePath: 'app',
        tag: 'dev',
        digest: undefined
      }
    ],
    [
      'quay.io/a/b',
      {
        ...none,
        kind: 'other',
        host: 'quay.io',
        imagePath: 'a/b',
        tag: undefined,
        digest: undefined
      }
    ],
    [
      '[::1]:5000/app',
      {
        ...none,
        kind: 'other',
        host: '[::1]:5000',
        imagePath: 'app',
        tag: undefined,
        digest: undefined
      }
    ],
    [
      // gcr.io subdomains that Artifact Registry does not serve stay "other"
      'mirror.gcr.io/library/busybox',
      {
        ...none,
        kind: 'other',
        host: 'mirror.gcr.io',
        imagePath: 'library/busybox',
        tag: undefined,
        digest: undefined
      }
    ]
  ])('%s', (raw, expected) => {
    const parsed = parseImageReference(raw)
    expect(parsed).toEqual({ raw, ...expected })
    expect(Object.isFrozen(parsed)).toBe(true)
  })

  test('a tag of 128 characters', () => {
    const tag = `v${'x'.repeat(127)}`
    expect(parseImageReference(`nginx:${tag}`).tag).toBe(tag)
  })

  test('a name of exactly 255 characters', () => {
    const name = `ghcr.io/${'a'.repeat(255 - 'ghcr.io/'.length)}`
    expect(parseImageReference(name).imagePath).toHaveLength(247)
  })
})

describe('parseImageReference rejects', () => {
  test.each<[string, string]>([
    ['', 'the image reference is empty'],
    [' nginx', 'must not start or end with whitespace'],
    ['nginx\n', 'must not start or end with whitespace'],
    ['nginx latest', 'path component "nginx latest" must not contain whitespace'],
    ['https://gcr.io/my-project/app', 'must not have a scheme ("https://")'],
    ['docker://nginx', 'must not have a scheme ("docker://")'],
    ['gcr.io', '"gcr.io" is a registry host with no image path'],
    ['localhost:5000', '"localhost:5000" is a registry host with no image path'],
    ['us-docker.pkg.dev', '"us-docker.pkg.dev" is a registry host with no image path'],
    ['gcr.io/', 'no image path after registry host "gcr.io"'],
    [':v1', 'the image name is empty'],
    [`@${DIGEST}`, 'the image name is empty'],
    ['Nginx', 'path component "Nginx" must be lower-case'],
    ['user/App:v1', 'path component "App" must be lower-case'],
    ['a//b', 'image path "a//b" has an empty component'],
    ['ghcr.io/a/b/', 'image path "a/b/" has an empty component'],
    ['/nginx', 'image path "/nginx" has an empty component'],
    ['-nginx', 'path component "-nginx" must match'],
    ['nginx-', 'path component "nginx-" must match'],
    ['user/a..b', 'path component "a..b" must match'],
    ['a___b', 'path component "a___b" must match'],
    ['nginx:', 'tag "" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}'],
    ['nginx:Bad Tag', 'tag "Bad Tag" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}'],
    ['nginx:-v1', 'tag "-v1" must match'],
    ['nginx:.v1', 'tag ".v1" must match'],
    ['nginx:a:b', 'tag "a:b" must match'],
    [`nginx:v${'x'.repeat(128)}`, 'must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}'],
    ['nginx@', 'digest "" must be "sha256:" followed by 64 lower-case hexadecimal digits'],
    ['nginx@sha256:abc', 'digest "sha256:abc" must be "sha256:"'],
    [`nginx@${DIGEST.toUpperCase()}`, 'must be "sha256:" followed by 64 lower-case'],
    [`nginx@sha256:${'a'.repeat(65)}`, 'must be "sha256:" followed by 64'],
    [`nginx@sha512:${'a'.repeat(128)}`, 'digest "sha512:'],
    [`nginx@${DIGEST}@${DIGEST}`, 'must be "sha256:"'],
    [`ghcr.io/${'a'.repeat(248)}`, 'the image name is 256 characters long, more than 255'],
    ['ghcr.io:abc/x', 'registry host "ghcr.io:abc" must be a host name'],
    ['-bad.io/x', 'registry host "-bad.io" must be a host name'],
    ['GCR.IO/my-project/app', 'registry host "GCR.IO" must be lower-case'],
    ['us-docker.pkg.dev/my-project/repo', 'no image after repository "repo"'],
    ['us-docker.pkg.dev/my-project', 'no repository after project "my-project"'],
    ['us-docker.pkg.dev/abc/repo/img', 'project "abc" must be a project ID: 6 to 30'],
    ['us-docker.pkg.dev/1project/repo/img', 'project "1project" must be a project ID'],
    ['us-docker.pkg.dev/my-project-/repo/img', 'path component "my-project-" must match'],
    [`us-docker.pkg.dev/${'a'.repeat(31)}/repo/img`, 'must be a project ID'],
    ['us-docker.pkg.dev/my_project/repo/img', 'project "my_project" must be a project ID'],
    ['us-docker.pkg.dev/example.com/ab/repo/img', 'project "ab" must be a project ID'],
    ['us-docker.pkg.dev/example.com', 'no project after domain "example.com"'],
    ['us-docker.pkg.dev/exa_mple.com/my-proj/r/i', 'project domain "exa_mple.com" must be'],
    ['us-docker.pkg.dev/my-project/my_repo/img', 'repository "my_repo" must be 1 to 63'],
    ['us-docker.pkg.dev/my-project/1repo/img', 'repository "1repo" must be'],
    ['us-central1-a-docker.pkg.dev/my-project/r/i', 'location "us-central1-a" in host'],
    ['mars-docker.pkg.dev/my-project/r/i', 'location "mars" in host "mars-docker.pkg.dev"'],
    ['gcr.io/my-project', 'no image after project "my-project" (expected gcr.io/PROJECT/IMAGE)'],
    ['eu.gcr.io/Project/app', 'path component "Project" must be lower-case'],
    ['gcr.io/ab/app', 'project "ab" must be a project ID']
  ])('%j', (raw, message) => {
    let error: unknown
    try {
      parseImageReference(raw)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ImageReferenceError)
    const text = (error as ImageReferenceError).message
    expect(text).toContain(message)
    expect(text).not.toMatch(/\n|Error:/)
  })
})
