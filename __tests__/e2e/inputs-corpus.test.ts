/**
 * The bad-input corpus, through the built action: every malformed value must end the run with exit code 1
 * and one error line that starts `Input <name>:` (the input, or the environment variable for an endpoint
 * override), with no stack trace and no call at all to the (emulated) Google APIs. One table, one test,
 * run a few at a time, each case against an emulator of its own so its calls are its own.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IMAGE, PROVIDER, REGION } from '../../emulator/scenarios/seed.js'
import { startTestEmulator } from '../harness/emulator.js'
import { runAction } from '../harness/runAction.js'

const files = mkdtempSync(join(tmpdir(), 'corpus-'))
function file(name: string, content: string): string {
  const path = join(files, name)
  writeFileSync(path, content)
  return path
}

interface Case {
  /** The input (or variable) the error must name. */
  readonly input: string
  readonly inputs?: Readonly<Record<string, string>>
  readonly env?: Readonly<Record<string, string>>
  readonly why: string
}

const bad = (input: string, value: string, why: string): Case => ({
  input,
  inputs: { [input]: value },
  why
})

const override = (api: string, value: string, why: string): Case => ({
  input: `CLOUDSDK_API_ENDPOINT_OVERRIDES_${api}`,
  env: { [`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api}`]: value },
  why
})

const CORPUS: readonly Case[] = [
  // Image references (the distribution project's grammar, REFERENCE.md "Image references").
  bad('image', 'Asia-Northeast1-docker.pkg.dev/p/r/i', 'upper-case host'),
  bad('image', 'asia-northeast1-docker.pkg.dev/p/r/Image', 'upper-case path'),
  bad('image', 'asia-northeast1-docker.pkg.dev/p/r/i:', 'empty tag'),
  bad('image', 'asia-northeast1-docker.pkg.dev/p/r/i:-bad', 'tag starting with -'),
  bad('image', `asia-northeast1-docker.pkg.dev/p/r/i:${'t'.repeat(129)}`, 'tag of 129 characters'),
  bad('image', 'asia-northeast1-docker.pkg.dev/p/r/i@sha256:xyz', 'digest not hex'),
  bad('image', 'asia-northeast1-docker.pkg.dev/p/r/i@sha256:', 'empty digest'),
  bad('image', 'asia-northeast1-docker.pkg.dev//r/i', 'empty path component'),
  bad('image', 'asia-northeast1-docker.pkg.dev/p/r', 'no image in the repository'),
  bad('image', 'asia-northeast1-docker.pkg.dev/p/r/i ', 'trailing space inside'),
  bad('image', 'nginx latest', 'space'),
  bad('image', 'https://asia-northeast1-docker.pkg.dev/p/r/i', 'a URL, not a reference'),
  bad('image', 'gcr.io', 'host only'),
  bad('image', 'i:t:t', 'two tags'),
  bad('image', 'asia-northeast1-docker.pkg.dev/p/r/i..j', 'double separator'),
  // Target names.
  bad('service', 'Bad_Name', 'upper case and underscore'),
  bad('service', '1api', 'starts with a digit'),
  bad('service', 'api-', 'ends with a hyphen'),
  bad('service', 'a'.repeat(50), 'longer than 49'),
  bad('service', 'api.v2', 'dot'),
  { input: 'service', inputs: { job: 'also' }, why: 'service and job both set' },
  { input: 'service', inputs: { service: '' }, why: 'no target at all' },
  // Projects, regions, identities.
  bad('project_id', 'My-Project', 'upper case'),
  bad('project_id', 'abc', 'too short'),
  bad('project_id', 'project-', 'ends with a hyphen'),
  bad('project_id', 'proj ect', 'space'),
  bad('region', 'Asia-Northeast1', 'upper case'),
  bad('region', 'us-central1-a', 'a zone'),
  bad('region', 'us central1', 'space'),
  bad('region', 'us-central1/', 'slash'),
  bad('workload_identity_provider', 'github', 'bare pool name'),
  bad('workload_identity_provider', `//iam.googleapis.com/${PROVIDER}`, 'with the audience prefix'),
  bad(
    'workload_identity_provider',
    'projects/myproject-a/locations/global/workloadIdentityPools/github/providers/github',
    'project ID instead of number'
  ),
  bad(
    'workload_identity_provider',
    'projects/111/locations/us/workloadIdentityPools/github/providers/github',
    'location other than global'
  ),
  bad('workload_identity_provider', `${PROVIDER}/`, 'trailing slash'),
  bad('service_account', 'deployer', 'not an email'),
  bad('service_account', 'deployer@', 'no domain'),
  bad('runtime_service_account', 'runtime at myproject-a', 'not an email'),
  // Choices, booleans, durations.
  bad('service_agent_access', 'Grant', 'case'),
  bad('service_agent_access', 'yes', 'not a mode'),
  bad('dry_run', 'maybe', 'not a boolean'),
  bad('wait', '1', 'a digit is not a YAML boolean'),
  bad('pr_comment', 'on', 'YAML 1.1 boolean'),
  bad('env_vars_update_strategy', 'replace', 'not a strategy'),
  bad('secrets_update_strategy', 'Merge', 'case'),
  bad('wait_timeout', '10 minutes', 'words'),
  bad('wait_timeout', '-5m', 'negative'),
  bad('wait_timeout', '0s', 'zero'),
  bad('wait_timeout', '5d', 'days'),
  bad('wait_timeout', '1.5h', 'fraction'),
  bad('iam_propagation_timeout', '9999h', 'beyond the maximum'),
  bad('iam_propagation_timeout', 'm', 'unit without a number'),
  // Key-value inputs.
  bad('env_vars', 'NOEQUALS', 'no ='),
  bad('env_vars', '=value', 'empty key'),
  bad('env_vars', 'MY KEY=1', 'space in the key'),
  bad('env_vars', 'PORT=8080', 'reserved by Cloud Run'),
  bad('env_vars', 'K_SERVICE=x', 'reserved by Cloud Run'),
  bad('secrets', 'API_KEY', 'no ='),
  bad('secrets', 'API_KEY=', 'empty secret'),
  bad('secrets', 'API_KEY=my secret', 'space in the secret name'),
  bad('secrets', 'API_KEY=projects/Bad Project/secrets/s', 'malformed project'),
  bad('secrets', 'API_KEY=s:1.5', 'version neither a number nor an alias'),
  bad('secrets', 'relative/path=s', 'relative mount path'),
  bad('secrets', '/file=s', 'mount path without a directory'),
  bad('secrets', '/secrets/../etc=s', 'dot-dot in a mount path'),
  bad('labels', 'Team=core', 'upper-case key'),
  bad('labels', 'team=Core', 'upper-case value'),
  bad('labels', '1team=core', 'key starting with a digit'),
  bad('labels', `team=${'v'.repeat(64)}`, 'value of 64 characters'),
  bad('labels', 'team', 'no ='),
  // Target-specific inputs on the wrong target.
  bad('tag', 'Blue', 'upper-case tag'),
  bad('tag', `t${'a'.repeat(46)}`, 'tag of 47 characters'),
  { input: 'tag', inputs: { service: '', job: 'nightly', tag: 'blue' }, why: 'tag on a job' },
  {
    input: 'execute',
    inputs: { execute: 'true' },
    why: 'execute on a service'
  },
  {
    input: 'no_traffic',
    inputs: { service: '', job: 'nightly', no_traffic: 'true' },
    why: 'no_traffic on a job'
  },
  // Metadata files.
  bad('metadata', join(files, 'missing.yaml'), 'no such file'),
  bad('metadata', file('broken.yaml', 'template:\n  containers: [\n'), 'YAML syntax'),
  bad('metadata', file('list.yaml', '- a\n- b\n'), 'a list, not an object'),
  bad('metadata', file('scalar.json', '"just a string"'), 'a string'),
  bad(
    'metadata',
    file('knative.yaml', 'apiVersion: serving.knative.dev/v1\nkind: Revision\n'),
    'a Knative Revision, not a Service or a Job'
  ),
  bad('metadata', file('job.yaml', 'template:\n  taskCount: 3\n'), 'a job for a service'),
  bad('metadata', file('template.json', '{"template": "yes"}'), 'template not an object'),
  bad(
    'metadata',
    file('named.yaml', 'name: projects/p/locations/l/services/other\n'),
    'named for another service'
  ),
  bad('metadata', file('typo.yaml', 'template:\n  containerz: []\n'), 'unknown field'),
  // Universe and endpoint overrides.
  bad('universe', 'not a domain', 'spaces'),
  bad('universe', 'https://googleapis.com', 'a URL, not a domain'),
  override('RUN', 'http://run.example.com/', 'plain http to a remote host'),
  override('STS', 'ftp://127.0.0.1/', 'not http(s)'),
  override('IAM', 'not a url', 'not a URL'),
  override('ARTIFACTREGISTRY', 'https://user:pw@ar.example.com/', 'credentials in the URL'),
  override('CLOUDRESOURCEMANAGER', 'https://crm.example.com/?x=1', 'a query'),
  override('IAMCREDENTIALS', 'http://10.0.0.1/', 'plain http to a private, not loopback, address'),
  override('POLICYTROUBLESHOOTER', 'https://pt.example.com/#frag', 'a fragment')
]

const CONCURRENCY = 6

test(`${CORPUS.length} malformed inputs: one line naming the input, exit 1, no call to Google`, async () => {
  expect(CORPUS.length).toBeGreaterThanOrEqual(60)
  const failures: string[] = []
  const runCase = async (c: Case) => {
    const emulator = await startTestEmulator('seed')
    try {
      const credentials = emulator.writeExternalAccountFile(files)
      const run = await runAction({
        inputs: {
          service: 'api',
          image: `${IMAGE}:v1`,
          region: REGION,
          project_id: 'myproject-a',
          ...c.inputs
        },
        env: { ...emulator.env, GOOGLE_APPLICATION_CREDENTIALS: credentials, ...c.env }
      })
      const errors = run.annotations.filter(a => a.command === 'error')
      const problems = [
        run.exitCode !== 1 && `exit code ${run.exitCode}`,
        errors.length !== 1 && `${errors.length} error annotations`,
        !errors[0]?.message.startsWith(`Input ${c.input}:`) && `error "${errors[0]?.message}"`,
        errors[0]?.message.includes('\n') && 'a multi-line error',
        run.stderr !== '' && `stderr "${run.stderr}"`,
        /^\s+at .+:\d+:\d+\)?$/m.test(run.stdout) && 'a stack trace',
        emulator.requestLog.length > 0 &&
          `${emulator.requestLog.length} calls (${emulator.requestLog.map(r => r.name).join(', ')})`
      ].filter(Boolean)
      if (problems.length) {
        failures.push(`${c.input} (${c.why}): ${problems.join('; ')}`)
      }
    } finally {
      await emulator.close()
    }
  }
  const queue = [...CORPUS]
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await runCase(next)
    })
  )
  expect(failures).toEqual([])
}, 180_000)
