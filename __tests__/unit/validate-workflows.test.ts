import {
  planBlock,
  usesThisAction,
  validateBlock,
  validateRepository,
  validateWorkflow,
  yamlBlocks
} from '../../scripts/validate-workflows.js'
import { PROJECT_ROOT } from '../harness/runAction.js'

const INPUTS = new Set(['service', 'image', 'region', 'project_id'])

const GOOD = `name: Deploy
on: push
permissions:
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v6
      - id: deploy
        uses: cloud-run-deploy-action/cloud-run-deploy-action@v0
        with:
          service: api
          image: \${{ vars.IMAGE }}
      - run: echo "\${{ steps.deploy.outputs.url }}"
`

test('a good workflow has no problems', async () => {
  expect(await validateWorkflow('good.yml', GOOD, INPUTS)).toEqual([])
})

test.each([
  ['a misspelt key', GOOD.replace('steps:', 'stepz:'), 8, 5, "Unexpected value 'stepz'"],
  [
    'a permission level GitHub does not have',
    GOOD.replace('contents: read', 'contents: wrote'),
    4,
    13,
    "Unexpected value 'wrote'"
  ],
  [
    'an expression that does not parse',
    GOOD.replace('vars.IMAGE }}', 'vars.IMAGE( }}'),
    14,
    18,
    "Unexpected symbol: '('"
  ],
  ['an unknown event', GOOD.replace('on: push', 'on: pushh'), 2, 5, "Unexpected value 'pushh'"],
  ['YAML that does not parse', GOOD.replace('      - run:', '    - run: ['), 15, 1, ''],
  [
    'an input this action does not declare',
    GOOD.replace('service: api', 'servce: api'),
    13,
    11,
    "'servce' is not an input of this action"
  ]
])(
  'a workflow with %s is reported with line, column and message',
  async (_, content, line, column, message) => {
    const problems = await validateWorkflow('bad.yml', content, INPUTS)
    expect(problems).toContainEqual({
      file: 'bad.yml',
      line,
      column,
      message: expect.stringContaining(message) as string
    })
  }
)

test('a job that needs a job that does not exist is caught by the converter', async () => {
  const content = `${GOOD}  report:\n    needs: build\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n`
  const problems = await validateWorkflow('needs.yml', content, INPUTS)
  expect(problems).toEqual([
    expect.objectContaining({ line: 17, message: expect.stringContaining("'build'") as string })
  ])
})

test.each([
  ['./', true],
  ['cloud-run-deploy-action/cloud-run-deploy-action@v0', true],
  ['OWNER/cloud-run-deploy-action@v0', true],
  ['google-github-actions/deploy-cloudrun@v3', false],
  ['someone/cloud-run-deploy-action-fork@v1', false]
])('uses: %s is this action: %s', (uses, expected) => {
  expect(usesThisAction(uses)).toBe(expected)
})

const MARKDOWN = [
  '# Doc', //                                    1
  '', //                                         2
  '```yaml', //                                  3
  'jobs:', //                                    4
  '  deploy:', //                                5
  '    runs-on: ubuntu-latest', //               6
  '    steps:', //                               7
  '      - uses: ./', //                         8
  '```', //                                      9
  '', //                                         10
  '```sh', //                                    11
  'npm test', //                                 12
  '```', //                                      13
  '', //                                         14
  '1. A step:', //                               15
  '', //                                         16
  '   ```yml', //                                17
  '   - uses: ./', //                            18
  '     with:', //                               19
  '       service: api', //                      20
  '   ```' //                                    21
].join('\n')

test('yamlBlocks finds yaml and yml fences, with the line of their first content line', () => {
  expect(yamlBlocks('doc.md', MARKDOWN)).toEqual([
    { file: 'doc.md', line: 4, content: expect.stringMatching(/^jobs:\n/) as string },
    { file: 'doc.md', line: 18, content: '- uses: ./\n  with:\n    service: api' }
  ])
})

test.each([
  ['a workflow', 'workflow', GOOD],
  [
    'jobs without on:',
    'workflow without on:',
    'jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo'
  ],
  ['a job', 'job', 'runs-on: ubuntu-latest\nsteps:\n  - run: echo'],
  ['a list of steps', 'steps', '- uses: actions/checkout@v6\n- run: npm test'],
  ['one step', 'step', 'uses: ./\nwith:\n  service: api'],
  ['with: alone', 'with:', 'with:\n  service: api\n  image: x'],
  ['inputs of this action alone', 'inputs', 'service: api\nimage: x']
])('%s is validated as %s', (_, as, content) => {
  expect(planBlock(content, INPUTS)).toMatchObject({ kind: 'workflow', as })
})

test.each([
  ['a Cloud Run resource', 'apiVersion: serving.knative.dev/v1\nkind: Service', 'apiVersion/kind'],
  ['action metadata', 'name: x\nruns:\n  using: node24\n  main: dist/index.js', 'runs:'],
  ['keys that are not all inputs', 'service: api\ncpu: 2', '`cpu`'],
  ['an excerpt that is not YAML', 'with:\n  service: api\n  ...\n  - x: [', 'not valid YAML'],
  ['several documents', 'a: 1\n---\nb: 2', 'single YAML document'],
  ['a list that is not steps', '- a\n- b', 'not a list of steps']
])('%s is skipped, saying why', (_, content, reason) => {
  const plan = planBlock(content, INPUTS)
  expect(plan.kind).toBe('skip')
  expect(plan.kind === 'skip' && plan.reason).toContain(reason)
})

test("a wrapped fragment's errors point at the Markdown file's line and column", async () => {
  const block = { file: 'doc.md', line: 40, content: '- uses: ./\n  with:\n    servce: api' }
  const { plan, problems } = await validateBlock(block, INPUTS)
  expect(plan).toMatchObject({ kind: 'workflow', as: 'steps' })
  expect(problems).toEqual([
    {
      file: 'doc.md',
      line: 42,
      column: 5,
      message: expect.stringContaining("'servce' is not an input") as string
    }
  ])
})

test('a broken step fragment is reported where it is broken', async () => {
  const block = { file: 'doc.md', line: 10, content: 'uses: ./\nif: ${{ github.ref == }}' }
  const { problems } = await validateBlock(block, INPUTS)
  expect(problems).toEqual([expect.objectContaining({ file: 'doc.md', line: 11, column: 5 })])
})

test("the project's own workflows and documents are valid", async () => {
  const { problems, checked } = await validateRepository(PROJECT_ROOT)
  expect(problems).toEqual([])
  expect(checked).toEqual(
    expect.arrayContaining([
      '.github/workflows/ci.yml',
      '.github/workflows/release.yml',
      '.github/workflows/self-test.yml'
    ])
  )
})
