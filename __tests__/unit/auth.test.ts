/**
 * The pure decisions of authentication: what a credentials file is, where its tokens may go, when a token
 * is replaced, which 401 is an expired token, whether to ask a metadata server, and what to tell a user
 * who has no OIDC token.
 */
import { generateKeyPairSync, verify } from 'node:crypto'
import { delegateNames } from '../../src/auth/adc.js'
import { isExpiredTokenAnswer, refreshDueAt, REFRESH_MARGIN_MS } from '../../src/auth/client.js'
import {
  classifyCredentials,
  impersonatedEmail,
  isUnderRoot,
  tokenUrlProblem,
  wellKnownCredentialsPath,
  type CredentialKind,
  type CredentialsFile
} from '../../src/auth/credentialsFile.js'
import { isFromFork, noOidcTokenMessage, type RunContext } from '../../src/auth/github.js'
import { expectMetadataServer } from '../../src/auth/metadata.js'
import {
  assertionClaims,
  expiryFrom,
  GOOGLE_TOKEN_URI,
  selfSignedClaims,
  signJwt
} from '../../src/auth/oauth.js'
import { resolveEndpoints } from '../../src/endpoints.js'

const MIN = 60_000

describe('refreshDueAt: five minutes before expiry, a quarter of the lifetime for short tokens', () => {
  test.each([
    ['an hour-long token', 0, 60 * MIN, 55 * MIN],
    ['a 20-minute token (the margin is exactly a quarter)', 0, 20 * MIN, 15 * MIN],
    ['a 5-minute metadata token', 0, 5 * MIN, 3.75 * MIN],
    ['the same metadata token handed out again with 75 s left', 0, 75_000, 56_250],
    ['a token received later in the run', 1_000_000, 1_000_000 + 60 * MIN, 1_000_000 + 55 * MIN],
    ['an already expired token is due at once', 10_000, 5_000, 5_000]
  ])('%s', (_, receivedAt, expiresAt, due) => {
    expect(refreshDueAt(receivedAt, expiresAt)).toBe(due)
  })

  test('never later than REFRESH_MARGIN_MS before expiry, never past expiry', () => {
    for (const lifetime of [1000, 30_000, 10 * MIN, 3 * 3600_000]) {
      const due = refreshDueAt(0, lifetime)
      expect(due).toBeLessThan(lifetime)
      expect(lifetime - due).toBeLessThanOrEqual(REFRESH_MARGIN_MS)
    }
  })
})

describe('isExpiredTokenAnswer', () => {
  const errorInfo = (reason: string) => ({
    error: {
      code: 401,
      status: 'UNAUTHENTICATED',
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason }]
    }
  })
  test.each([
    ['401 ACCESS_TOKEN_EXPIRED', { status: 401, data: errorInfo('ACCESS_TOKEN_EXPIRED') }, true],
    [
      '401 ACCESS_TOKEN_EXPIRED as text',
      { status: 401, data: JSON.stringify(errorInfo('ACCESS_TOKEN_EXPIRED')) },
      true
    ],
    [
      '401 without ErrorInfo (older front ends)',
      { status: 401, data: { error: { code: 401 } } },
      true
    ],
    ['401 with a body that is not JSON', { status: 401, data: 'Unauthorized' }, true],
    [
      '401 ACCESS_TOKEN_TYPE_UNSUPPORTED',
      { status: 401, data: errorInfo('ACCESS_TOKEN_TYPE_UNSUPPORTED') },
      false
    ],
    ['401 CREDENTIALS_MISSING', { status: 401, data: errorInfo('CREDENTIALS_MISSING') }, false],
    ['403 permission denied', { status: 403, data: errorInfo('IAM_PERMISSION_DENIED') }, false],
    ['no response (network)', undefined, false]
  ])('%s', (_, response, expected) => {
    expect(isExpiredTokenAnswer(Object.assign(new Error('x'), { response }))).toBe(expected)
  })
})

describe('classifyCredentials', () => {
  const external = (source: object): CredentialsFile => ({
    type: 'external_account',
    credential_source: source
  })
  test.each<[string, CredentialsFile, CredentialKind]>([
    ['a service-account key', { type: 'service_account' }, 'service_account'],
    ["gcloud's user credentials", { type: 'authorized_user' }, 'authorized_user'],
    ['impersonation', { type: 'impersonated_service_account' }, 'impersonated_service_account'],
    [
      'workforce user credentials',
      { type: 'external_account_authorized_user' },
      'external_account_authorized_user'
    ],
    ['a URL source (GitHub)', external({ url: 'https://x' }), 'external_account_url'],
    ['a file source', external({ file: '/tmp/token' }), 'external_account_file'],
    [
      'an executable',
      external({ executable: { command: '/bin/t' } }),
      'external_account_executable'
    ],
    ['AWS', external({ environment_id: 'aws1', region_url: 'x' }), 'external_account_aws'],
    ['AWS before a URL', external({ environment_id: 'aws1', url: 'x' }), 'external_account_aws'],
    [
      'an executable before a file',
      external({ executable: {}, file: 'x' }),
      'external_account_executable'
    ],
    ['a file before a URL', external({ file: 'x', url: 'y' }), 'external_account_file']
  ])('%s', (_, file, kind) => {
    expect(classifyCredentials(file)).toEqual({ kind })
  })

  test.each<[string, CredentialsFile, RegExp]>([
    [
      'X.509 federation',
      external({ certificate: { use_default_certificate_config: true } }),
      /X\.509/
    ],
    ['an unknown environment', external({ environment_id: 'azure1' }), /not an AWS one/],
    ['no source at all', { type: 'external_account' }, /names no url/],
    ['a GDC key', { type: 'gdch_service_account' }, /Google Distributed Cloud/],
    ['no type', {}, /type is missing/],
    ['another type', { type: 'api_key' }, /type is "api_key"; expected service_account/]
  ])('refused: %s', (_, file, reason) => {
    const result = classifyCredentials(file)
    expect(result).toHaveProperty('unsupported')
    expect((result as { unsupported: string }).unsupported).toMatch(reason)
  })
})

describe('isUnderRoot', () => {
  test.each([
    ['https://sts.googleapis.com/v1/token', 'https://sts.googleapis.com/', true],
    ['https://sts.googleapis.com/v1/oauthtoken', 'https://sts.googleapis.com/', true],
    ['http://127.0.0.1:8085/v1/token', 'http://127.0.0.1:8085/', true],
    ['http://127.0.0.1:8085/sts/v1/token', 'http://127.0.0.1:8085/sts/', true],
    ['https://sts.googleapis.com.evil.example/v1/token', 'https://sts.googleapis.com/', false],
    ['https://evil.example/?u=https://sts.googleapis.com/', 'https://sts.googleapis.com/', false],
    ['https://user@sts.googleapis.com/v1/token', 'https://sts.googleapis.com/', false],
    ['http://sts.googleapis.com/v1/token', 'https://sts.googleapis.com/', false],
    ['http://127.0.0.1:9999/v1/token', 'http://127.0.0.1:8085/', false],
    ['http://127.0.0.1:8085/other/v1/token', 'http://127.0.0.1:8085/sts/', false],
    ['http://127.0.0.1:8085/sts/../v1/token', 'http://127.0.0.1:8085/sts/', false],
    ['http://127.0.0.1:8085/sts', 'http://127.0.0.1:8085/sts/', false],
    ['not a url', 'https://sts.googleapis.com/', false]
  ])('%s under %s: %s', (url, root, expected) => {
    expect(isUnderRoot(url, root)).toBe(expected)
  })
})

describe('tokenUrlProblem: every kind that sends a token is confined to STS and IAM Credentials', () => {
  const endpoints = resolveEndpoints('googleapis.com', {})
  const STS = 'https://sts.googleapis.com/v1/token'
  const IAM =
    'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/d@p.iam.gserviceaccount.com:generateAccessToken'
  const EVIL = 'https://evil.example/v1/token'
  const externalKinds: CredentialKind[] = [
    'external_account_url',
    'external_account_file',
    'external_account_executable',
    'external_account_aws'
  ]

  test.each(externalKinds)('%s: the configured endpoints pass', kind => {
    expect(tokenUrlProblem({ token_url: STS }, kind, endpoints)).toBeUndefined()
    expect(
      tokenUrlProblem({ token_url: STS, service_account_impersonation_url: IAM }, kind, endpoints)
    ).toBeUndefined()
  })

  test.each(externalKinds)('%s: a foreign token_url or impersonation URL is refused', kind => {
    expect(tokenUrlProblem({ token_url: EVIL }, kind, endpoints)).toBe(
      `token_url ${EVIL} is not under https://sts.googleapis.com/; no token is sent there. If that ` +
        'endpoint is right, set CLOUDSDK_API_ENDPOINT_OVERRIDES_STS to its root.'
    )
    expect(tokenUrlProblem({}, kind, endpoints)).toMatch(/^token_url \(none\) is not under/)
    expect(
      tokenUrlProblem({ token_url: STS, service_account_impersonation_url: EVIL }, kind, endpoints)
    ).toMatch(
      /^service_account_impersonation_url https:\/\/evil\.example\/v1\/token is not under https:\/\/iamcredentials\.googleapis\.com\/; .*OVERRIDES_IAMCREDENTIALS/
    )
  })

  test('external_account_authorized_user: its token_url is STS', () => {
    const kind = 'external_account_authorized_user'
    expect(
      tokenUrlProblem({ token_url: `${STS.replace('token', 'oauthtoken')}` }, kind, endpoints)
    ).toBeUndefined()
    expect(tokenUrlProblem({ token_url: EVIL }, kind, endpoints)).toMatch(/^token_url /)
  })

  test('impersonated_service_account: its impersonation URL is IAM Credentials', () => {
    const kind = 'impersonated_service_account'
    expect(
      tokenUrlProblem({ service_account_impersonation_url: IAM }, kind, endpoints)
    ).toBeUndefined()
    expect(tokenUrlProblem({ service_account_impersonation_url: EVIL }, kind, endpoints)).toMatch(
      /^service_account_impersonation_url /
    )
  })

  test('overrides move the roots', () => {
    const local = resolveEndpoints('googleapis.com', {
      CLOUDSDK_API_ENDPOINT_OVERRIDES_STS: 'http://127.0.0.1:8085/'
    })
    expect(
      tokenUrlProblem(
        { token_url: 'http://127.0.0.1:8085/v1/token' },
        'external_account_file',
        local
      )
    ).toBeUndefined()
    expect(tokenUrlProblem({ token_url: STS }, 'external_account_file', local)).toMatch(
      /is not under http:\/\/127\.0\.0\.1:8085\//
    )
  })

  test.each<CredentialKind>(['service_account', 'authorized_user'])(
    '%s names no STS or IAM Credentials URL',
    kind => {
      expect(tokenUrlProblem({ token_url: EVIL }, kind, endpoints)).toBeUndefined()
    }
  )
})

test.each([
  [
    'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/d@p.iam.gserviceaccount.com:generateAccessToken',
    'd@p.iam.gserviceaccount.com'
  ],
  [
    'http://127.0.0.1:1/v1/projects/-/serviceAccounts/d%40p.iam.gserviceaccount.com:generateAccessToken',
    'd@p.iam.gserviceaccount.com'
  ],
  ['https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/d@p:signBlob', undefined],
  [undefined, undefined]
])('impersonatedEmail(%s) = %s', (url, email) => {
  expect(impersonatedEmail(url)).toBe(email)
})

test.each<[string, NodeJS.ProcessEnv, NodeJS.Platform, string | undefined]>([
  [
    'CLOUDSDK_CONFIG first',
    { CLOUDSDK_CONFIG: '/c', HOME: '/h' },
    'linux',
    '/c/application_default_credentials.json'
  ],
  [
    'HOME on Linux',
    { HOME: '/h' },
    'linux',
    '/h/.config/gcloud/application_default_credentials.json'
  ],
  [
    'HOME on macOS',
    { HOME: '/h' },
    'darwin',
    '/h/.config/gcloud/application_default_credentials.json'
  ],
  [
    'APPDATA on Windows',
    { APPDATA: 'C:/AppData', HOME: '/h' },
    'win32',
    'C:/AppData/gcloud/application_default_credentials.json'
  ],
  ['nothing to go by', {}, 'linux', undefined]
])('wellKnownCredentialsPath: %s', (_, env, platform, path) => {
  expect(wellKnownCredentialsPath(env, platform)).toBe(path)
})

test('delegateNames: bare emails become resource names', () => {
  expect(
    delegateNames([
      'a@p.iam.gserviceaccount.com',
      'projects/-/serviceAccounts/b@p.iam.gserviceaccount.com'
    ])
  ).toEqual([
    'projects/-/serviceAccounts/a@p.iam.gserviceaccount.com',
    'projects/-/serviceAccounts/b@p.iam.gserviceaccount.com'
  ])
})

describe('expectMetadataServer: decided without a request', () => {
  test.each<[string, NodeJS.ProcessEnv, boolean, boolean]>([
    ['GCE_METADATA_HOST set', { GCE_METADATA_HOST: '127.0.0.1:1' }, false, true],
    ['GCE_METADATA_IP set', { GCE_METADATA_IP: '127.0.0.1' }, false, true],
    ['on a Google Cloud machine', {}, true, true],
    ['anywhere else', {}, false, false],
    ['assume-present', { METADATA_SERVER_DETECTION: 'assume-present' }, false, true],
    ['ping-only (asking is the ping)', { METADATA_SERVER_DETECTION: 'ping-only' }, false, true],
    ['none, even on Google Cloud', { METADATA_SERVER_DETECTION: 'none' }, true, false],
    ['bios-only goes by the machine', { METADATA_SERVER_DETECTION: 'bios-only' }, true, true],
    [
      'an explicit host beats none',
      { GCE_METADATA_HOST: 'h', METADATA_SERVER_DETECTION: 'none' },
      false,
      true
    ]
  ])('%s → %s', (_, env, onGoogleCloud, expected) => {
    expect(expectMetadataServer(env, () => onGoogleCloud)).toBe(expected)
  })
})

describe('no OIDC token: the message fits the event', () => {
  const pr = (head: string | null, base = 'octo-org/octo-repo') => ({
    repository: { full_name: base },
    pull_request: {
      head: { repo: head === null ? null : { full_name: head } },
      base: { repo: { full_name: base } }
    }
  })
  const context = (eventName: string, event: RunContext['event']): RunContext => ({
    eventName,
    repository: 'octo-org/octo-repo',
    event
  })

  test.each<[string, RunContext, boolean]>([
    ['a fork', context('pull_request', pr('someone/octo-repo')), true],
    ['a branch of the same repository', context('pull_request', pr('octo-org/octo-repo')), false],
    [
      'the same repository, in other letter case',
      context('pull_request', pr('Octo-Org/Octo-Repo')),
      false
    ],
    ['a deleted fork', context('pull_request', pr(null)), true],
    ['no pull request in the event', context('push', {}), false],
    [
      'no base in the event: GITHUB_REPOSITORY decides',
      context('pull_request', {
        pull_request: { head: { repo: { full_name: 'someone/octo-repo' } } }
      }),
      true
    ]
  ])('isFromFork: %s', (_, ctx, expected) => {
    expect(isFromFork(ctx)).toBe(expected)
  })

  test('pull_request_target: OIDC tokens are issued there, so the permission is missing', () => {
    for (const head of ['someone/octo-repo', 'octo-org/octo-repo']) {
      const message = noOidcTokenMessage(context('pull_request_target', pr(head)))
      expect(message).toContain('pull_request_target')
      expect(message).toContain('`permissions: id-token: write`')
      expect(message).not.toMatch(/cannot authenticate/)
    }
  })

  test.each(['pull_request', 'pull_request_review', 'pull_request_review_comment'])(
    '%s from a fork: no token can be had, deploy another way',
    eventName => {
      const message = noOidcTokenMessage(context(eventName, pr('someone/octo-repo')))
      expect(message).toContain('forks')
      expect(message).toContain(`this ${eventName} comes from someone/octo-repo`)
      expect(message).not.toContain('id-token: write')
    }
  )

  test.each<[string, RunContext]>([
    ['pull_request from a branch', context('pull_request', pr('octo-org/octo-repo'))],
    ['push', context('push', {})],
    ['workflow_dispatch', context('workflow_dispatch', undefined)]
  ])('%s: give the job id-token: write', (_, ctx) => {
    expect(noOidcTokenMessage(ctx)).toBe(
      'GitHub provided no OIDC token: give the job `permissions: id-token: write` (and keep `contents: read`).'
    )
  })
})

describe('service-account keys', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const key = {
    email: 'ci@p.iam.gserviceaccount.com',
    privateKey,
    keyId: 'abc123',
    tokenUri: GOOGLE_TOKEN_URI
  }

  test('the assertion: issuer, scope, audience, an hour at most', () => {
    expect(assertionClaims(key, 1_700_000_000_999)).toEqual({
      iss: 'ci@p.iam.gserviceaccount.com',
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      aud: 'https://oauth2.googleapis.com/token',
      iat: 1_700_000_000,
      exp: 1_700_003_600
    })
  })

  test('a self-signed JWT: subject and scope, no audience', () => {
    expect(selfSignedClaims(key, 1_700_000_000_000)).toEqual({
      iss: 'ci@p.iam.gserviceaccount.com',
      sub: 'ci@p.iam.gserviceaccount.com',
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      iat: 1_700_000_000,
      exp: 1_700_003_600
    })
  })

  test('signJwt: RS256 with the key id, verifiable with the public key', () => {
    const jwt = signJwt({ a: 1 }, privateKey, 'abc123')
    const [header, claims, signature] = jwt.split('.')
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: 'abc123'
    })
    expect(JSON.parse(Buffer.from(claims ?? '', 'base64url').toString())).toEqual({ a: 1 })
    expect(
      verify(
        'sha256',
        Buffer.from(`${header}.${claims}`),
        publicKey,
        Buffer.from(signature ?? '', 'base64url')
      )
    ).toBe(true)
  })
})

test.each([
  ['seconds from now', 1000, 3599, 1000 + 3_599_000],
  ['zero', 1000, 0, 1000],
  ['missing: an hour', 1000, undefined, 1000 + 3_600_000],
  ['not a number: an hour', 1000, '60', 1000 + 3_600_000]
])('expiryFrom: %s', (_, now, expiresIn, expected) => {
  expect(expiryFrom(now, expiresIn)).toBe(expected)
})
