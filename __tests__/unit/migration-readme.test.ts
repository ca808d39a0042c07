/**
 * Issue 11: deploy-cloudrun's README examples, with only the `uses:` line changed, go through this action's
 * input parsing (loadConfig, with the runner's defaults from action.yml) and its planning (the resource the
 * deploy would send, plannedResource → desiredResource, and planDeploy) — the same pure steps main.ts
 * runs before its first request. Each example plans, except those of a deploy-cloudrun feature this action
 * refuses on purpose, which must end with the one-line error MIGRATING.md documents. Also: Docker Hub names
 * with a dot parse as Docker Hub images (Docker's grammar), not as registry hosts.
 *
 * The examples are __tests__/fixtures/deploy-cloudrun-readme/ (deploy-cloudrun v3.0.1's README). A
 * fragment (`with:` or bare inputs) is added to the Usage example's step, as a reader of the README would.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import YAML from 'yaml'
import type { Config } from '../../src/config.js'
import { plannedResource } from '../../src/deploy/index.js'
import type { RunResource } from '../../src/deploy/spec.js'
import { ActionError } from '../../src/errors.js'
import { startEmulator } from '../../emulator/server.js'
import { loadConfig, type InputSource } from '../../src/inputs.js'
import { planDeploy, resourceName, type DeployPlan } from '../../src/plan.js'

type Service = run_v2.Schema$GoogleCloudRunV2Service

const DIR = join('__tests__', 'fixtures', 'deploy-cloudrun-readme')
const ACTION = YAML.parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { default?: string }>
}
const MIGRATING = readFileSync('MIGRATING.md', 'utf8')

type Inputs = Record<string, string>

/** What google-github-actions/auth exports for its step's service_account (its computeProjectID). */
const AFTER_AUTH: NodeJS.ProcessEnv = Object.fromEntries(
  [
    'CLOUDSDK_CORE_PROJECT',
    'CLOUDSDK_PROJECT',
    'GCLOUD_PROJECT',
    'GCP_PROJECT',
    'GOOGLE_CLOUD_PROJECT'
  ].map(name => [name, 'my-project'])
)
/** A self-hosted runner on a Compute Engine VM: credentials from its metadata server, nothing exported. */
const ON_A_VM: NodeJS.ProcessEnv = {}

/** The runner's view of a step: its `with:` values as strings, action.yml's defaults for the rest. */
function runnerSource(inputs: Inputs, env: NodeJS.ProcessEnv): InputSource {
  return {
    getInput: name => {
      const given = inputs[name] ?? ACTION.inputs[name]?.default ?? ''
      return (given === '${{ github.token }}' ? 'ghs_test' : given).trim()
    },
    env,
    readFile: path => readFileSync(path, 'utf8')
  }
}

interface Example {
  readonly inputs: Inputs
  readonly env: NodeJS.ProcessEnv
}

/** A workflow's step that uses this action (`uses: ./`), or a fragment of one; values as the runner has them. */
function exampleOf(file: string): Example {
  const document = YAML.parse(readFileSync(join(DIR, file), 'utf8')) as Record<string, unknown>
  const strings = (values: object) =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]))
  if ('jobs' in document) {
    const steps = Object.values(
      document.jobs as Record<string, { steps: Record<string, unknown>[] }>
    )
      .flatMap(job => job.steps)
      .filter(step => step !== null && typeof step === 'object')
    const ours = steps.filter(step => step.uses === './')
    expect(ours).toHaveLength(1)
    const authenticated = steps.some(
      step => typeof step.uses === 'string' && step.uses.startsWith('google-github-actions/auth@')
    )
    return {
      inputs: strings((ours[0]?.with ?? {}) as object),
      env: authenticated ? AFTER_AUTH : ON_A_VM
    }
  }
  const fragment = ('with' in document ? document.with : document) as object
  // A fragment belongs in the Usage example's step, which follows google-github-actions/auth.
  return { inputs: { ...exampleOf('01-usage.yml').inputs, ...strings(fragment) }, env: AFTER_AUTH }
}

/**
 * The service the examples deploy to, as deployed before: the latest revision serves everything, and the
 * older `my-revision` carries the tag `my-tag` (the README's placeholders) at 0%.
 */
const LIVE: Service = {
  name: 'projects/my-project/locations/us-central1/services/hello-cloud-run',
  generation: '7',
  template: { containers: [{ image: 'us-docker.pkg.dev/cloudrun/container/hello:previous' }] },
  traffic: [
    { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 },
    {
      type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
      revision: 'my-revision',
      tag: 'my-tag',
      percent: 0
    }
  ],
  latestReadyRevision:
    'projects/my-project/locations/us-central1/services/hello-cloud-run/revisions/hello-cloud-run-00007-abc'
}

interface Planned {
  readonly config: Config
  readonly resource: Service
  readonly plan: DeployPlan
}

/** Reads the inputs, then plans the deploy in each region as main.ts does before any write. */
async function plan(example: Example, live: RunResource | undefined = LIVE): Promise<Planned> {
  const config = await loadConfig(runnerSource(example.inputs, example.env))
  const target = { projectId: config.projectId, projectNumber: '123456789012' }
  const desired = config.regions.map(region =>
    plannedResource(
      config,
      config.projectId,
      { region, resourceName: resourceName(config, config.projectId, region), existing: live },
      '0.0.0'
    )
  )
  const containers = desired.flatMap(d =>
    ((d.resource as Service).template?.containers ?? []).map((c, i) => ({
      name: c.name ?? undefined,
      image: c.image ?? '',
      main: i === d.container.index
    }))
  )
  return {
    config,
    resource: desired[0]?.resource as Service,
    plan: planDeploy(config, target, containers)
  }
}

async function refusal(example: Example): Promise<string> {
  try {
    await plan(example)
  } catch (error) {
    if (error instanceof ActionError) return error.message
    throw error
  }
  throw new Error('the example planned')
}

const HELLO = 'us-docker.pkg.dev/cloudrun/container/hello:latest'
const mainContainer = (planned: Planned) => planned.resource.template?.containers?.[0]

describe("deploy-cloudrun's README examples plan as they are written", () => {
  test('every example file is covered below', () => {
    expect(readdirSync(DIR).sort()).toEqual(
      [
        '01-usage.yml',
        '02-input-env-vars.yml',
        '03-input-secrets.yml',
        '04-input-labels.yml',
        '05-input-flags.yml',
        '06-input-flags-quoted-args.yml',
        '07-input-revision-traffic.yml',
        '08-input-revision-traffic-latest.yml',
        '09-input-tag-traffic.yml',
        '10-input-update-traffic-flags.yml',
        '11-input-update-traffic-flags-quoted-args.yml',
        '12-authorization-auth.yml',
        '13-authorization-adc.yml'
      ].sort()
    )
  })

  test.each(['01-usage.yml', '12-authorization-auth.yml'])(
    '%s: after google-github-actions/auth, the service with its image',
    async file => {
      const planned = await plan(exampleOf(file))
      expect(planned.config.target).toEqual({ kind: 'service', name: 'hello-cloud-run' })
      expect(planned.config.projectId).toBe('my-project')
      expect(planned.config.projectIdSource).toBe('CLOUDSDK_CORE_PROJECT')
      expect(planned.config.regions).toEqual(['us-central1'])
      expect(mainContainer(planned)?.image).toBe(HELLO)
      // The image is Google's public sample in project cloudrun: another project's repository.
      expect(planned.plan.images[0]).toMatchObject({
        imageProject: 'cloudrun',
        repository: 'projects/cloudrun/locations/us/repositories/container',
        crossProject: true
      })
      expect(planned.plan.serviceAgent).toBe(
        'service-123456789012@serverless-robot-prod.iam.gserviceaccount.com'
      )
    }
  )

  test('02 env_vars: KEY=VALUE lines; quotes are kept, as deploy-cloudrun’s parser keeps them', async () => {
    const planned = await plan(exampleOf('02-input-env-vars.yml'))
    expect(mainContainer(planned)?.env).toEqual([
      { name: 'FRUIT', value: 'apple' },
      { name: 'SENTENCE', value: '" this will retain leading and trailing spaces "' }
    ])
  })

  test('03 secrets: a variable and a mounted file; the # lines are comments', async () => {
    const planned = await plan(exampleOf('03-input-secrets.yml'))
    expect(mainContainer(planned)?.env).toEqual([
      { name: 'KEY1', valueSource: { secretKeyRef: { secret: 'secret-key-1', version: 'latest' } } }
    ])
    expect(planned.resource.template?.volumes).toEqual([
      {
        name: 'secret-secrets-api',
        secret: { secret: 'secret-key-2', items: [{ path: 'key', version: 'latest' }] }
      }
    ])
    expect(mainContainer(planned)?.volumeMounts).toEqual([
      { name: 'secret-secrets-api', mountPath: '/secrets/api' }
    ])
  })

  test('04 labels: on the service and its revisions, beside the default ones', async () => {
    const planned = await plan(exampleOf('04-input-labels.yml'))
    const labels = { labela: 'my-label', labelb: 'my-other-label' }
    expect(planned.resource.labels).toMatchObject(labels)
    expect(planned.resource.template?.labels).toMatchObject(labels)
  })

  test.each([
    ['05-input-flags.yml', undefined],
    ['06-input-flags-quoted-args.yml', ['-X=123']]
  ])('%s flags: --add-cloudsql-instances (and a quoted --args)', async (file, args) => {
    const planned = await plan(exampleOf(file))
    // `...` is the README's placeholder for an instance: a plain name, completed with the project and region.
    expect(planned.resource.template?.volumes).toEqual([
      { name: 'cloudsql', cloudSqlInstance: { instances: ['my-project:us-central1:...'] } }
    ])
    expect(mainContainer(planned)?.args).toEqual(args)
  })

  test.each([
    [
      '07-input-revision-traffic.yml',
      [
        ['REVISION', 'my-revision', 10, 'my-tag'],
        ['LATEST', undefined, 90, undefined]
      ]
    ],
    [
      '08-input-revision-traffic-latest.yml',
      [
        ['LATEST', undefined, 100, undefined],
        ['REVISION', 'my-revision', 0, 'my-tag']
      ]
    ],
    [
      '09-input-tag-traffic.yml',
      [
        ['LATEST', undefined, 90, undefined],
        ['REVISION', 'my-revision', 10, 'my-tag']
      ]
    ]
  ] as const)('%s: the traffic sent with the deploy', async (file, expected) => {
    const planned = await plan(exampleOf(file))
    const traffic = (planned.resource.traffic ?? []).map(t => [
      t.type?.replace('TRAFFIC_TARGET_ALLOCATION_TYPE_', ''),
      t.revision ?? undefined,
      t.percent,
      t.tag ?? undefined
    ])
    expect(traffic).toEqual(expect.arrayContaining(expected.map(row => [...row])))
    expect(traffic).toHaveLength(expected.length)
  })

  test('10 update_traffic_flags, as written (key traffic_flags): an input neither action has, ignored', async () => {
    // The README's example names the key traffic_flags; deploy-cloudrun's action.yml has
    // update_traffic_flags. The runner warns about an unexpected input, and neither action reads it.
    const example = exampleOf('10-input-update-traffic-flags.yml')
    expect(Object.keys(example.inputs)).toContain('traffic_flags')
    expect(ACTION.inputs).not.toHaveProperty('traffic_flags')
    const planned = await plan(example)
    expect(mainContainer(planned)?.image).toBe(HELLO)
    expect(planned.resource.traffic).toEqual(LIVE.traffic)
  })

  test("13 on a self-hosted runner with the VM's credentials: the VM's project, as gcloud takes it", async () => {
    // deploy-cloudrun's gcloud takes the project from the VM's metadata server; so does this action when
    // nothing else names the project (src/inputs.ts, vmProject). Off a VM the step needs project_id.
    const example = exampleOf('13-authorization-adc.yml')
    expect(example.env).toBe(ON_A_VM)
    expect(await refusal(example)).toMatch(/^Input project_id: got ""; expected a project ID; /)
    const vm = await startEmulator('metadata')
    // The runner's environment says where the metadata server is (gcp-metadata reads the process's).
    const host = vm.metadataEnv.GCE_METADATA_HOST ?? ''
    process.env.GCE_METADATA_HOST = host
    try {
      const planned = await plan({ ...example, env: { ...example.env, GCE_METADATA_HOST: host } })
      expect(planned.config.projectId).toBe('myproject-a')
      expect(planned.config.projectIdSource).toBe('metadata server')
      expect(mainContainer(planned)?.image).toBe(HELLO)
    } finally {
      delete process.env.GCE_METADATA_HOST
      await vm.close()
    }
    expect(MIGRATING).toContain('it asks the\nmetadata server for the VM')
  })
})

describe('what this action refuses on purpose: one line, as MIGRATING.md documents it', () => {
  test('source (the README documents it; its "Deploy from source" example workflow uses `source: ./`)', async () => {
    // deploy-cloudrun's README lists the input `source` and links the example workflow
    // google-github-actions/example-workflows workflows/deploy-cloudrun/cloudrun-source.yml, whose step
    // passes service, region and `source: ./` and no image.
    const message = await refusal({
      inputs: { service: 'hello-cloud-run', region: 'us-central1', source: './' },
      env: AFTER_AUTH
    })
    expect(message).toBe(
      'Input source: got "./"; expected no source: this action deploys a built image. Build and push it ' +
        'first (docker build and docker push, or gcloud builds submit --tag IMAGE), then pass it as image ' +
        '(MIGRATING.md, "source").'
    )
    expect(message).not.toContain('\n')
    expect(MIGRATING).toContain(message)
  })

  test('10 and 11 as their section means them (update_traffic_flags): --set-tags is refused, tags go in tag', async () => {
    for (const file of [
      '10-input-update-traffic-flags.yml',
      '11-input-update-traffic-flags-quoted-args.yml'
    ]) {
      const { inputs, env } = exampleOf(file)
      const { traffic_flags: trafficFlags, flags, ...rest } = inputs
      const message = await refusal({
        inputs: { ...rest, update_traffic_flags: trafficFlags ?? flags ?? '' },
        env
      })
      expect(message).toBe(
        'Input update_traffic_flags: entry 1 (--set-tags): expected --to-latest, ' +
          '--to-revisions=REVISION=PERCENT,... or --to-tags=TAG=PERCENT,... (tags: the tag input).'
      )
      expect(MIGRATING).toContain(message)
    }
  })

  test('11 as written (key flags): --set-tags is no gcloud run deploy flag, for deploy-cloudrun either', async () => {
    // gcloud 578 has --set-tags on `gcloud run services update-traffic` only (surface/run/services/
    // update_traffic.py, flags.AddTrafficTagsFlags), so deploy-cloudrun's `gcloud run deploy` fails too.
    const message = await refusal(exampleOf('11-input-update-traffic-flags-quoted-args.yml'))
    expect(message).toBe(
      'Input flags: entry 1 (--set-tags) is not a gcloud run deploy flag this action knows; see ' +
        'docs/flags.md for the supported flags, or set the field in a metadata file.'
    )
  })
})

describe('Docker Hub names with a dot (Docker’s grammar: one component is a Docker Hub image)', () => {
  test.each([
    ['ubuntu-12.04-base', 'library/ubuntu-12.04-base', undefined],
    ['test.com:tag', 'library/test.com', 'tag'],
    ['test.com:5000', 'library/test.com', '5000']
  ])('%s is docker.io/%s, tag %s, and needs no IAM check', async (image, imagePath, tag) => {
    const planned = await plan({
      inputs: { ...exampleOf('01-usage.yml').inputs, image },
      env: AFTER_AUTH
    })
    expect(planned.config.image).toMatchObject({
      kind: 'docker-hub',
      host: 'docker.io',
      imagePath,
      tag
    })
    expect(mainContainer(planned)?.image).toBe(image)
    expect(planned.plan.images[0]).toMatchObject({
      imageProject: undefined,
      crossProject: false,
      notNeededBecause: 'the image is on Docker Hub, which Cloud Run pulls without Google IAM'
    })
  })
})
