import { InputEntryError } from '../../src/errors.js'
import {
  parseEntries,
  parseSecretReference,
  type SecretReference
} from '../../src/dialects/entries.js'

/** Entries as [key, value, position] triples, the shortest way to read a table. */
type Parsed = [string, string, number][]

function parsed(raw: string): Parsed {
  return parseEntries('env_vars', raw).map(({ key, value, position }) => [key, value, position])
}

function thrown(run: () => unknown): InputEntryError {
  try {
    run()
  } catch (error) {
    if (error instanceof InputEntryError) return error
    throw error
  }
  throw new Error('expected an InputEntryError')
}

/** Every run of `length` characters of `secret`: none may appear in an error message. */
function fragments(secret: string, length = 4): string[] {
  const runs: string[] = []
  for (let i = 0; i + length <= secret.length; i++) runs.push(secret.slice(i, i + length))
  return runs
}

// Vectors of parseKVString's tests, as data: google-github-actions/actions-utils, tests/kv.test.ts
// (commit 24b90097be3151ff6947892cab490458034cefc6). Positions are ours.
const CERTIFICATE = [
  '-----BEGIN PRIVATE KEY-----',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDRJRbmz9Qi7or8',
  'G342x0t5eILuU/DmDz/K+aF+HCmKpiNMM3VVXop5r70jtuDwTg2Hj4Wq+/VUFy9m',
  '7N2c6NcjhekEZZbtGBoaiddffX7S54Y5La4ynJooLwkHm2mLp2et5gIjhwHiRvXa',
  'ftyRyC/83GkAjs88l5eGxNE=',
  '-----END PRIVATE KEY-----'
]

describe('parseEntries accepts what deploy-cloudrun accepts (actions-utils parseKVString vectors)', () => {
  test.each<[string, string, Parsed]>([
    ['empty string', '', []],
    ['braces', '{}', []],
    ['empty value', 'FOO=', [['FOO', '', 1]]],
    ['single value', 'FOO=bar', [['FOO', 'bar', 1]]],
    [
      'multi value',
      'FOO=bar,ZIP=zap',
      [
        ['FOO', 'bar', 1],
        ['ZIP', 'zap', 2]
      ]
    ],
    ['value with equals', 'FOO=bar=baz', [['FOO', 'bar=baz', 1]]],
    [
      'value with many equals',
      'FOO=bar=baz;zip=zap;zinc=atom',
      [['FOO', 'bar=baz;zip=zap;zinc=atom', 1]]
    ],
    [
      'comma-separated value with many equals',
      'FOO=bar=baz,ZIP=zap=flap==,ZINC=atom',
      [
        ['FOO', 'bar=baz', 1],
        ['ZIP', 'zap=flap==', 2],
        ['ZINC', 'atom', 3]
      ]
    ],
    [
      'value with consecutive equals',
      'FOO=bar==baz;zip===zap;zinc====atom',
      [['FOO', 'bar==baz;zip===zap;zinc====atom', 1]]
    ],
    [
      'value with trailing equals',
      'FOO=aGVsbG8gd29ybGQhCg==',
      [['FOO', 'aGVsbG8gd29ybGQhCg==', 1]]
    ],
    [
      'trims',
      '  FOO= bar, ZIP= zap ',
      [
        ['FOO', 'bar', 1],
        ['ZIP', 'zap', 2]
      ]
    ],
    ['returns empty for {}', '  {} ', []],
    [
      'multiline',
      '\n          FOO=bar\n          ZIP=zap\n        ',
      [
        ['FOO', 'bar', 1],
        ['ZIP', 'zap', 2]
      ]
    ],
    [
      'multiline trailing commas',
      '\n          FOO=bar,\n          ZIP=zap,\n          BAZ=bam\n        ',
      [
        ['FOO', 'bar', 1],
        ['ZIP', 'zap', 2],
        ['BAZ', 'bam', 3]
      ]
    ],
    ['multiline escaped', '\n          FOO=bar\\\nbaz\n        ', [['FOO', 'bar\nbaz', 1]]],
    [
      'certificate',
      `\n          FOO=${CERTIFICATE.join('\\\n')}\n        `,
      [['FOO', CERTIFICATE.join('\n'), 1]]
    ],
    [
      'escaped comma key',
      String.raw`FOO\,BAR=baz,ZIP=zap`,
      [
        ['FOO,BAR', 'baz', 1],
        ['ZIP', 'zap', 2]
      ]
    ],
    [
      'double escaped comma key',
      String.raw`FOO\\\,BAR=baz,ZIP=zap`,
      [
        [String.raw`FOO\,BAR`, 'baz', 1],
        ['ZIP', 'zap', 2]
      ]
    ],
    [
      'escaped slash key',
      String.raw`FOO\\BAR=baz,ZIP=zap`,
      [
        [String.raw`FOO\BAR`, 'baz', 1],
        ['ZIP', 'zap', 2]
      ]
    ],
    [
      'escaped comma value',
      'FOO=bar\\,baz,ZIP=zap',
      [
        ['FOO', 'bar,baz', 1],
        ['ZIP', 'zap', 2]
      ]
    ],
    [
      'double escaped comma value',
      String.raw`FOO=bar\\\,baz,ZIP=zap`,
      [
        ['FOO', String.raw`bar\,baz`, 1],
        ['ZIP', 'zap', 2]
      ]
    ],
    [
      'escaped slash value',
      String.raw`FOO=BAR\\baz,ZIP=zap`,
      [
        ['FOO', String.raw`BAR\baz`, 1],
        ['ZIP', 'zap', 2]
      ]
    ]
  ])('%s', (_name, raw, expected) => {
    expect(parsed(raw)).toEqual(expected)
  })
})

// deploy-cloudrun's own inputs, as data: google-github-actions/deploy-cloudrun (commit 2028e2d7)
// .github/workflows/integration.yml, tests/unit/main.test.ts and action.yml.
describe('parseEntries reads deploy-cloudrun workflows as deploy-cloudrun does', () => {
  test.each<[string, string, Parsed]>([
    [
      'integration.yml env_vars',
      'FOO=bar\nZIP=zap\\,with|separators\\,and&stuff',
      [
        ['FOO', 'bar', 1],
        ['ZIP', 'zap,with|separators,and&stuff', 2]
      ]
    ],
    [
      'integration.yml secrets',
      'MY_SECRET=my-secret:latest\nMY_SECOND_SECRET=my-secret:1',
      [
        ['MY_SECRET', 'my-secret:latest', 1],
        ['MY_SECOND_SECRET', 'my-secret:1', 2]
      ]
    ],
    [
      'integration.yml secret mount',
      '/api/secrets/my-secret=my-secret:latest',
      [['/api/secrets/my-secret', 'my-secret:latest', 1]]
    ],
    [
      'integration.yml labels',
      'label1=value1\nlabel2=value2',
      [
        ['label1', 'value1', 1],
        ['label2', 'value2', 2]
      ]
    ],
    ['main.test.ts env_vars', 'FOO=BAR', [['FOO', 'BAR', 1]]],
    ['main.test.ts secrets', 'FOO=bar:latest', [['FOO', 'bar:latest', 1]]],
    [
      'main.test.ts labels',
      'foo=bar,zip=zap',
      [
        ['foo', 'bar', 1],
        ['zip', 'zap', 2]
      ]
    ],
    ['main.test.ts label override', 'commit-sha=custom-value', [['commit-sha', 'custom-value', 1]]],
    // action.yml says quotes keep blanks; parseKVString has no quotes, so they stay in the value
    // (deploy-cloudrun#492: a quoted password reached Cloud Run with its quotes).
    [
      'action.yml env_vars example',
      'FRUIT=apple\nSENTENCE=" this will retain leading and trailing spaces "',
      [
        ['FRUIT', 'apple', 1],
        ['SENTENCE', '" this will retain leading and trailing spaces "', 2]
      ]
    ],
    // action.yml's secrets example has comments, which parseKVString turns into keys
    // (deploy-cloudrun#590); here they are comments.
    [
      'action.yml secrets example',
      '# As an environment variable:\nKEY1=secret-key-1:latest\n\n# As a volume mount:\n/secrets/api/key=secret-key-2:latest',
      [
        ['KEY1', 'secret-key-1:latest', 1],
        ['/secrets/api/key', 'secret-key-2:latest', 2]
      ]
    ]
  ])('%s', (_name, raw, expected) => {
    expect(parsed(raw)).toEqual(expected)
  })
})

describe('parseEntries', () => {
  test.each<[string, string, Parsed]>([
    ['only blanks', ' \n\t\n ', []],
    ['only commas and blank lines', ',, \n,\n', []],
    ['only a comment', '# nothing yet', []],
    ['blanks around = are trimmed', 'KEY = value ', [['KEY', 'value', 1]]],
    ['blanks inside a value stay', 'KEY=a  b', [['KEY', 'a  b', 1]]],
    ['a key may hold blanks (callers judge keys)', 'MY KEY=v', [['MY KEY', 'v', 1]]],
    ['an escaped = in a key', 'A\\=B=c', [['A=B', 'c', 1]]],
    [
      'an escaped blank is trimmed like any other',
      'A=\\ x\\ ,B=1',
      [
        ['A', 'x', 1],
        ['B', '1', 2]
      ]
    ],
    // parseKVString trims the whole input first, so "\\ " at its very end is a lone backslash (below)
    ['any escaped character is itself', 'A=\\a\\b\\#', [['A', 'ab#', 1]]],
    [
      'CRLF line breaks',
      'A=1\r\nB=2\r\n',
      [
        ['A', '1', 1],
        ['B', '2', 2]
      ]
    ],
    ['an escaped CRLF keeps one line break', 'A=x\\\r\ny', [['A', 'x\ny', 1]]],
    [
      'lone CR, LS and PS separate entries',
      'A=1\rB=2\u2028C=3\u2029D=4',
      [
        ['A', '1', 1],
        ['B', '2', 2],
        ['C', '3', 3],
        ['D', '4', 4]
      ]
    ],
    ['a tab before a comment', '\t# the database\nDB=main', [['DB', 'main', 1]]],
    ['a commented-out entry', '# OLD=1\nNEW=2', [['NEW', '2', 1]]],
    ['a comment holds commas and backslashes', '# a, b\\\nA=1', [['A', '1', 1]]],
    ['# inside a value', 'COLOR=#fff', [['COLOR', '#fff', 1]]],
    ['# continuing a value is no comment', 'A=x\\\n# y', [['A', 'x\n# y', 1]]],
    ['\\# starts a key, not a comment', '\\#KEY=v', [['#KEY', 'v', 1]]],
    [
      'positions skip blank entries and comments',
      '\n# first\nA=1,,\n\nB=2\n# last',
      [
        ['A', '1', 1],
        ['B', '2', 2]
      ]
    ],
    // parseKVString fills an object: the last value wins, the key keeps its first place.
    [
      'a repeated key keeps its last value and position',
      'A=1\nB=2\nA=3',
      [
        ['A', '3', 3],
        ['B', '2', 2]
      ]
    ],
    ['a key repeated after trimming', 'A=1, A =2', [['A', '2', 2]]],
    ['a value of only =', 'A==', [['A', '=', 1]]],
    ['single quotes are characters', "A='x'", [['A', "'x'", 1]]]
  ])('%s', (_name, raw, expected) => {
    expect(parsed(raw)).toEqual(expected)
  })

  test('entries are frozen', () => {
    const [entry] = parseEntries('labels', 'team=payments')
    expect(Object.isFrozen(entry)).toBe(true)
  })
})

describe('parseEntries refuses', () => {
  test.each<[string, string, number, string | undefined, string]>([
    // parseKVString: 'missing key' ('=bar')
    ['an empty key', '=bar', 1, undefined, 'expected a KEY before "="'],
    ['a blank key', 'A=1, =bar', 2, undefined, 'expected a KEY before "="'],
    // parseKVString makes 'FOO' a key with an empty value; refused here (see entries.ts)
    ['an entry without =', 'FOO', 1, undefined, 'has no "=" (write KEY= for an empty value'],
    ['an entry without = after others', 'A=1\nB=2\nC', 3, undefined, 'has no "="'],
    ['a comment after a comma', 'A=1, # note', 2, undefined, 'has no "="'],
    // quotes protect nothing in parseKVString either (deploy-cloudrun#462)
    ['a comma inside quotes', 'PARTNERS="TEST,test"', 2, undefined, 'has no "="'],
    ['a lone final backslash', 'A=x\\', 1, 'A', 'lone backslash; write \\\\ for a backslash'],
    ['a lone backslash before final blanks', 'A=1\nB=x\\  ', 2, 'B', 'lone backslash'],
    ['a lone backslash in a key', 'A\\', 1, undefined, 'lone backslash'],
    ['a key on two lines is not named', 'A\\\nB=x\\', 1, undefined, 'lone backslash'],
    ['an escaped blank at the very end', 'A=x\\ ', 1, 'A', 'lone backslash']
  ])('%s', (_name, raw, position, key, message) => {
    const error = thrown(() => parseEntries('env_vars', raw))
    expect(error).toMatchObject({ input: 'env_vars', position, key })
    expect(error.message).toContain(`Input env_vars: entry ${position}${key ? ` (${key})` : ''}: `)
    expect(error.message).toContain(message)
    expect(error.message).not.toMatch(/\n/)
  })
})

describe('parseEntries never prints a value or a part of one', () => {
  test.each<[string, string, string, number]>([
    ['a value split at a comma', 'PASSWORD=s3cr3t,oops', 's3cr3t,oops', 2],
    // deploy-cloudrun#541
    ['JSON split at its comma', 'MY_JSON={"a": 1, "b": 2}', '{"a": 1, "b": 2}', 2],
    // deploy-cloudrun#495
    [
      'addresses split at commas',
      'EMAIL_ADDRESSES=ann <ann@example.com>,bob <bob@example.com>\nVAR2=test',
      'ann <ann@example.com>,bob <bob@example.com>',
      2
    ],
    [
      'a multi-line secret without escaped line breaks',
      `TLS_KEY=${CERTIFICATE.join('\n')}`,
      // the key material; the BEGIN/END lines are public boilerplate
      CERTIFICATE.slice(1, -1).join('\n'),
      2
    ],
    ['a secret after an empty key', 'A=1\n=hunter2hunter2', 'hunter2hunter2', 2],
    ['a secret ending with a lone backslash', 'TOKEN=ab12cd34\\', 'ab12cd34\\', 1],
    ['a secret in a key-less first entry', 'Zq9xWv2y', 'Zq9xWv2y', 1]
  ])('%s', (_name, raw, secret, position) => {
    const error = thrown(() => parseEntries('env_vars', raw))
    expect(error.position).toBe(position)
    for (const line of secret.split('\n')) {
      for (const fragment of fragments(line)) expect(error.message).not.toContain(fragment)
    }
  })
})

describe('parseSecretReference accepts', () => {
  const FULL_ID = 'a'.repeat(255)
  const LONG_ALIAS = `v${'x'.repeat(62)}`
  test.each<[string, SecretReference]>([
    // deploy-cloudrun's vectors (tests/unit/main.test.ts, integration.yml, action.yml)
    ['bar:latest', { secret: 'bar', version: 'latest' }],
    ['my-secret:1', { secret: 'my-secret', version: '1' }],
    ['secret-key-2:latest', { secret: 'secret-key-2', version: 'latest' }],
    // a name alone is the latest version
    ['api-key', { secret: 'api-key', version: 'latest' }],
    ['API_KEY_2', { secret: 'API_KEY_2', version: 'latest' }],
    [FULL_ID, { secret: FULL_ID, version: 'latest' }],
    ['s:42', { secret: 's', version: '42' }],
    // version aliases
    ['s:v1', { secret: 's', version: 'v1' }],
    ['s:prod_2024-05', { secret: 's', version: 'prod_2024-05' }],
    ['s:LATEST', { secret: 's', version: 'LATEST' }],
    [`s:${LONG_ALIAS}`, { secret: 's', version: LONG_ALIAS }],
    // another project, by number or ID
    [
      'projects/123456789012/secrets/db',
      { secret: 'projects/123456789012/secrets/db', version: 'latest' }
    ],
    [
      'projects/123456789012/secrets/db:7',
      { secret: 'projects/123456789012/secrets/db', version: '7' }
    ],
    [
      'projects/other-proj/secrets/db:latest',
      { secret: 'projects/other-proj/secrets/db', version: 'latest' }
    ],
    [
      'projects/other-proj/secrets/db:blue',
      { secret: 'projects/other-proj/secrets/db', version: 'blue' }
    ],
    [
      'projects/example.com:my-proj/secrets/db:2',
      { secret: 'projects/example.com:my-proj/secrets/db', version: '2' }
    ],
    // the full version resource name
    ['projects/123/secrets/db/versions/5', { secret: 'projects/123/secrets/db', version: '5' }],
    [
      'projects/my-proj/secrets/db/versions/latest',
      { secret: 'projects/my-proj/secrets/db', version: 'latest' }
    ],
    [
      'projects/my-proj/secrets/db/versions/current',
      { secret: 'projects/my-proj/secrets/db', version: 'current' }
    ],
    [
      'projects/example.com:my-proj/secrets/db/versions/3',
      { secret: 'projects/example.com:my-proj/secrets/db', version: '3' }
    ]
  ])('%s', (raw, expected) => {
    const reference = parseSecretReference('secrets', 1, 'K', raw)
    expect(reference).toEqual(expected)
    expect(Object.isFrozen(reference)).toBe(true)
  })
})

describe('parseSecretReference refuses', () => {
  test.each<[string, string]>([
    ['', 'not an empty value'],
    ['s:', 'whose VERSION is latest, a version number from 1, or an alias'],
    ['s:0', 'whose VERSION'],
    ['s:01', 'whose VERSION'],
    ['s:1a', 'whose VERSION'],
    ['s:-x', 'whose VERSION'],
    ['s:a.b', 'whose VERSION'],
    ['s:NEW', 'whose VERSION'],
    [`s:v${'x'.repeat(63)}`, 'whose VERSION'],
    ['my.secret', 'whose SECRET is 1 to 255 letters, digits, - or _'],
    [' s', 'whose SECRET'],
    [':1', 'whose SECRET'],
    ['a'.repeat(256), 'whose SECRET'],
    ['a:b:c', 'expected a secret reference (SECRET[:VERSION], projects/PROJECT/secrets/SECRET'],
    ['secrets/s', 'expected a secret reference (SECRET[:VERSION]'],
    ['//secretmanager.googleapis.com/projects/p/secrets/s', 'expected a secret reference'],
    ['projects/my-project/s', 'expected a secret reference'],
    ['projects/my-project/secrets/s/versions', 'expected a secret reference'],
    ['projects/my-project/secrets/s/versions/1/x', 'expected a secret reference'],
    ['projects/my-project/secrets/s:1/versions/2', 'expected a secret reference'],
    ['projects/my-project/secrets/s:1:2', 'expected a secret reference'],
    ['projects/my-project/secrets/s/aliases/x', 'expected a secret reference'],
    ['projects/p/secrets/s', 'whose PROJECT is a project ID or number'],
    ['projects//secrets/s', 'whose PROJECT'],
    ['projects/My-Project/secrets/s', 'whose PROJECT'],
    ['projects/exa_mple.com:my-proj/secrets/s', 'whose PROJECT'],
    ['projects/my-project/secrets/', 'whose SECRET'],
    ['projects/my-project/secrets/my.secret:1', 'whose SECRET'],
    ['projects/my-project/secrets/s/versions/', 'whose VERSION'],
    ['projects/my-project/secrets/s/versions/NEW', 'whose VERSION']
  ])('%j', (raw, message) => {
    const error = thrown(() => parseSecretReference('secrets', 4, 'API_KEY', raw))
    expect(error).toMatchObject({ input: 'secrets', position: 4, key: 'API_KEY' })
    expect(error.message).toMatch(
      /^Input secrets: entry 4 \(API_KEY\): expected a secret reference/
    )
    expect(error.message).toContain(message)
    expect(error.message).not.toMatch(/\n/)
  })

  // A secret's value pasted where its name belongs (deploy-cloudrun#471) must not reach the log.
  test.each([
    'ghp_Zq9xWv2yT0k3nS3cr3t:with:colons',
    'postgres://admin:Pa55w0rd@db.internal/app',
    'sk-live/AbCdEfGh1234',
    'Zq9x.Wv2y'
  ])('%j is not printed', secret => {
    const error = thrown(() => parseSecretReference('secrets', 1, 'DB_URL', secret))
    for (const fragment of fragments(secret)) expect(error.message).not.toContain(fragment)
  })
})
