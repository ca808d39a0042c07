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

// Vectors of github.com/distribution/reference (commit 0965666a), as data: reference_test.go
// (TestReferenceParse) and normalize_test.go (TestValidateReferenceName, TestParseRepositoryInfo,
// TestNormalizedSplitHostname), read with ParseNormalizedNamed's rule for the registry host, as
// `docker pull` reads them.
const FFFF = `sha256:${'f'.repeat(64)}`
const HEX64 = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a'
const hub = (imagePath: string, tag?: string, digest?: string): Expected => ({
  ...none,
  kind: 'docker-hub',
  host: 'docker.io',
  imagePath,
  tag,
  digest
})
const other = (host: string, imagePath: string, tag?: string, digest?: string): Expected => ({
  ...none,
  kind: 'other',
  host,
  imagePath,
  tag,
  digest
})

describe("parseImageReference reads Docker's grammar (distribution/reference vectors)", () => {
  test.each<[string, Expected]>([
    // A name of one component is a Docker Hub image, whatever it looks like.
    ['ubuntu-12.04-base', hub('library/ubuntu-12.04-base')],
    ['test_com', hub('library/test_com')],
    ['test.com:tag', hub('library/test.com', 'tag')],
    ['test.com:5000', hub('library/test.com', '5000')],
    ['foo_bar.com:8080', hub('library/foo_bar.com', '8080')],
    ['192.168.1.1', hub('library/192.168.1.1')],
    ['192.168.1.1:tag', hub('library/192.168.1.1', 'tag')],
    ['192.168.1.1:5000', hub('library/192.168.1.1', '5000')],
    ['192.168.0.1:80', hub('library/192.168.0.1', '80')],
    ['lowercase:Uppercase', hub('library/lowercase', 'Uppercase')],
    ['debian', hub('library/debian')],
    ['dbcc1', hub('library/dbcc1')],
    // 64 characters that are not all hexadecimal, and 63 that are, are names
    [
      'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
      hub('library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev')
    ],
    [
      'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9',
      hub('library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9')
    ],
    [`docker.io/${HEX64}`, hub(`library/${HEX64}`)],
    [
      `redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c`,
      hub(
        'library/redis',
        undefined,
        'sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c'
      )
    ],
    // Several components: the first is a host only with a dot, a port, localhost or upper case.
    ['test_com/foo', hub('test_com/foo')],
    ['docker/migrator', hub('docker/migrator')],
    ['docker.io/foo', hub('library/foo')],
    ['docker.io/library/foo/bar', hub('library/foo/bar')],
    ['index.docker.io/docker/docker', hub('docker/docker')],
    ['dmcgowan/myapp:latest', hub('dmcgowan/myapp', 'latest')],
    ['store/foo/bar', hub('store/foo/bar')],
    ['docker---rules/docker', hub('docker---rules/docker')],
    ['dock__er/docker', hub('dock__er/docker')],
    ['d/docker', hub('d/docker')],
    [
      `${'a/'.repeat(127)}a:tag-puts-this-over-max`,
      hub(`${'a/'.repeat(127)}a`, 'tag-puts-this-over-max')
    ],
    ['test.com/foo', other('test.com', 'foo')],
    ['test:5000/repo', other('test:5000', 'repo')],
    ['test:5000/repo:tag', other('test:5000', 'repo', 'tag')],
    [`test:5000/repo:tag@${FFFF}`, other('test:5000', 'repo', 'tag', FFFF)],
    ['test-com:8080/foo', other('test-com:8080', 'foo')],
    ['xn--n3h.com/myimage:xn--n3h.com', other('xn--n3h.com', 'myimage', 'xn--n3h.com')],
    ['xn--n3h.com:18080/foo', other('xn--n3h.com:18080', 'foo')],
    [
      `xn--7o8h.com/myimage:xn--7o8h.com@${FFFF}`,
      other('xn--7o8h.com', 'myimage', 'xn--7o8h.com', FFFF)
    ],
    [
      'sub-dom1.foo.com/bar/baz/quux:some-long-tag',
      other('sub-dom1.foo.com', 'bar/baz/quux', 'some-long-tag')
    ],
    [
      'b.gcr.io/test.example.com/my-app:test.example.com',
      other('b.gcr.io', 'test.example.com/my-app', 'test.example.com')
    ],
    ['localhost/fooo/bar', other('localhost', 'fooo/bar')],
    ['LOCALDOMAIN/debian', other('LOCALDOMAIN', 'debian')],
    ['Docker/docker', other('Docker', 'docker')],
    ['FOO/bar', other('FOO', 'bar')],
    ['127.0.0.1:5000/library/debian', other('127.0.0.1:5000', 'library/debian')],
    ['192.168.1.1/repo', other('192.168.1.1', 'repo')],
    ['192.168.1.1:5000/repo:5050', other('192.168.1.1:5000', 'repo', '5050')],
    ['[2001:db8::1]/repo', other('[2001:db8::1]', 'repo')],
    ['[2001:db8:1:2:3:4:5:6]/repo:tag', other('[2001:db8:1:2:3:4:5:6]', 'repo', 'tag')],
    [`[2001:db8::1]:5000/repo:tag@${FFFF}`, other('[2001:db8::1]:5000', 'repo', 'tag', FFFF)],
    ['[2001:db8::]:5000/repo', other('[2001:db8::]:5000', 'repo')],
    ['[fc00::1]:5000/docker/docker', other('[fc00::1]:5000', 'docker/docker')]
  ])('%s', (raw, expected) => {
    expect(parseImageReference(raw)).toEqual({ raw, ...expected })
  })

  test.each<[string, string]>([
    [HEX64, '64 hexadecimal digits are an image ID, not a reference'],
    ['[2001:db8::1]', '"[2001:db8::1]" is a registry host with no image path'],
    ['[2001:db8::1]:5000', '"[2001:db8::1]:5000" is a registry host with no image path'],
    ['[2001:db8::1]:tag', 'is a registry host with no image path'],
    ['[fc00::1]', 'is a registry host with no image path'],
    ['[fe80::1%eth0]:5000/repo', 'registry host "[fe80::1%eth0]:5000" must be a host name'],
    ['[fe80::1%@invalidzone]:5000/repo', 'is a registry host'],
    ['[2001:db8:3:4::192.0.2.33]:5000/debian', 'must be a host name'],
    ['fc00::1:5000/debian', 'registry host "fc00::1:5000" must be a host name'],
    ['-docker.io/docker/docker', 'registry host "-docker.io" must be a host name'],
    ['https://github.com/docker/docker', 'must not have a scheme'],
    ['Uppercase:tag', 'path component "Uppercase" must be lower-case'],
    ['test:5000/Uppercase/lowercase:tag', 'path component "Uppercase" must be lower-case'],
    ['docker/Docker', 'path component "Docker" must be lower-case'],
    ['docker.io/docker/Docker', 'path component "Docker" must be lower-case'],
    ['aa/asdf$$^/aa', 'path component "asdf$$^" must match'],
    ['-docker', 'path component "-docker" must match'],
    ['-docker/docker', 'path component "-docker" must match'],
    ['docker-/docker', 'path component "docker-" must match'],
    ['____/____', 'path component "____" must match'],
    ['_docker/_docker', 'path component "_docker" must match'],
    // with a dot, the first component is a host, and these are no host names
    ['dock..er/docker', 'registry host "dock..er" must be a host name'],
    ['dock_.er/docker', 'registry host "dock_.er" must be a host name'],
    ['dock-.er/docker', 'registry host "dock-.er" must be a host name'],
    ['docker///docker', 'image path "docker///docker" has an empty component'],
    ['docker/', 'image path "docker/" has an empty component'],
    [':justtag', 'the image name is empty'],
    [`@${FFFF}`, 'the image name is empty'],
    ['repo@sha256:ffffffffffffffffffffffffffffffffff', 'must be "sha256:" followed by 64'],
    [`validname@invaliddigest:${'f'.repeat(64)}`, 'digest "invaliddigest:'],
    [`domain/${'a'.repeat(256)}:tag`, 'the image name is 263 characters long, more than 255'],
    // Docker reads these as Docker Hub images (library/localhost, ...); none exists, and the path is
    // more likely lost than meant.
    ['localhost', '"localhost" is a registry host with no image path'],
    ['localhost:tag', '"localhost:tag" is a registry host with no image path'],
    ['docker.io', '"docker.io" is a registry host with no image path'],
    ['eu.gcr.io:443', '"eu.gcr.io:443" is a registry host with no image path'],
    ['europe-west1-docker.pkg.dev', 'is a registry host with no image path']
  ])('%j is refused', (raw, message) => {
    let error: unknown
    try {
      parseImageReference(raw)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ImageReferenceError)
    expect((error as ImageReferenceError).message).toContain(message)
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
