import {
  checkFields,
  JOB_FIELDS,
  SERVICE_FIELDS,
  WORKER_POOL_FIELDS
} from '../../src/deploy/fields.js'
import { desiredResource } from '../../src/deploy/spec.js'
import { knativeToV2 } from '../../src/dialects/knative.js'

const problem = (result: ReturnType<typeof checkFields>) =>
  'problem' in result ? `${result.problem.path} ${result.problem.problem}` : undefined

describe('checkFields', () => {
  test('a full service passes, with proto names turned into JSON names', () => {
    const result = checkFields(
      {
        labels: { 'my_label-key': 'v' },
        traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
        template: {
          max_instance_request_concurrency: 10,
          volumes: [{ name: 's', secret: { secret: 'x', items: [{ path: 'p', version: '1' }] } }],
          containers: [
            {
              image: 'nginx',
              env: [{ name: 'A', value_source: { secret_key_ref: { secret: 's' } } }],
              startupProbe: { httpGet: { httpHeaders: [{ name: 'h', value: 'v' }] } }
            }
          ]
        }
      },
      SERVICE_FIELDS
    )
    expect(result).toEqual({
      resource: {
        // Map keys are data, not field names: left as written.
        labels: { 'my_label-key': 'v' },
        traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
        template: {
          maxInstanceRequestConcurrency: 10,
          volumes: [{ name: 's', secret: { secret: 'x', items: [{ path: 'p', version: '1' }] } }],
          containers: [
            {
              image: 'nginx',
              env: [{ name: 'A', valueSource: { secretKeyRef: { secret: 's' } } }],
              startupProbe: { httpGet: { httpHeaders: [{ name: 'h', value: 'v' }] } }
            }
          ]
        }
      }
    })
  })

  test("output-only fields of a copied GET response are dropped, and the file's etag", () => {
    const result = checkFields(
      {
        uid: 'u',
        etag: '"old"',
        generation: '4',
        uri: 'https://x.run.app',
        terminalCondition: { state: 'CONDITION_SUCCEEDED' },
        threatDetectionEnabled: false,
        buildConfig: { name: 'projects/p/locations/l/builds/b' },
        template: { containers: [{ image: 'nginx', buildInfo: { functionTarget: 'f' } }] }
      },
      SERVICE_FIELDS
    )
    expect(result).toEqual({
      resource: { buildConfig: {}, template: { containers: [{ image: 'nginx' }] } }
    })
  })

  test.each([
    [
      { instanceSplitStatuses: [{ percent: 100 }], threatDetectionEnabled: true },
      WORKER_POOL_FIELDS
    ],
    [{ executionCount: 2, latestCreatedExecution: { name: 'e' }, etag: '"e"' }, JOB_FIELDS]
  ])('output-only fields of %j are dropped', (document, shape) => {
    expect(checkFields(document, shape)).toEqual({ resource: {} })
  })

  test.each([
    [
      'fields googleapis 188 has and the shapes once lacked',
      SERVICE_FIELDS,
      {
        functionalType: 'FUNCTIONAL_TYPE_UNSPECIFIED',
        buildConfig: { functionTarget: 'handler', environmentVariables: { A: '1' } },
        template: {
          workloadIdentityConfig: { identityType: 'x' },
          containers: [
            { sourceCode: { inlinedSource: { sources: [{ filename: 'main.py', content: '' }] } } }
          ]
        }
      }
    ],
    [
      'a job: functionalType, workloadIdentityConfig',
      JOB_FIELDS,
      { functionalType: 'x', template: { template: { workloadIdentityConfig: { identity: 'i' } } } }
    ],
    [
      'terminationGracePeriod on a revision template (gcloud 578, not googleapis 188)',
      SERVICE_FIELDS,
      { template: { terminationGracePeriod: '30s' } }
    ],
    [
      'terminationGracePeriod and priorityTier on a job (gcloud 578)',
      JOB_FIELDS,
      { template: { priorityTier: 'FLEX', template: { terminationGracePeriod: '30s' } } }
    ],
    [
      "a container's buildConfig (gcloud 578)",
      SERVICE_FIELDS,
      {
        template: {
          containers: [
            {
              buildConfig: {
                imageRepositoryUri: 'us-docker.pkg.dev/p/r',
                dockerBuild: {},
                workerConfiguration: { cloudBuildWorkerConfiguration: { machineType: 'e2' } }
              }
            }
          ]
        }
      }
    ],
    [
      "a worker pool's automatic scaling and its template's terminationGracePeriod (gcloud 578)",
      WORKER_POOL_FIELDS,
      {
        scaling: {
          scalingMode: 'AUTOMATIC',
          minInstanceCount: 1,
          maxInstanceCount: 5,
          maxSurge: 20,
          cpuScaling: { cpuUtilization: 0.6 },
          pubsubScalings: [{ subscription: 'projects/p/subscriptions/s', targetValue: 10 }]
        },
        template: { terminationGracePeriod: '10s' }
      }
    ]
  ])('accepted: %s', (_name, shape, document) => {
    expect(checkFields(document, shape)).toEqual({ resource: document })
  })

  test("a Knative file's terminationGracePeriodSeconds, converted, is accepted", () => {
    const converted = knativeToV2({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: 'api' },
      spec: {
        template: { spec: { terminationGracePeriodSeconds: 20, containers: [{ image: 'a' }] } }
      }
    })
    if ('problem' in converted) throw new Error(converted.problem.problem)
    expect(converted.resource).toMatchObject({ template: { terminationGracePeriod: '20s' } })
    expect(checkFields(converted.resource, SERVICE_FIELDS)).toEqual({
      resource: converted.resource
    })
  })

  test.each([
    [
      { template: { containers: [{ imagePullPolicy: 'Always' }] } },
      SERVICE_FIELDS,
      'template.containers[0].imagePullPolicy is not a field here'
    ],
    [{ spec: {} }, SERVICE_FIELDS, 'spec is not a field here'],
    [
      { template: { Scaling: {} } },
      SERVICE_FIELDS,
      'template.Scaling is not a field here (did you mean scaling?)'
    ],
    [{ template: { containers: {} } }, SERVICE_FIELDS, 'template.containers must be a list'],
    [
      { template: { containers: ['nginx'] } },
      SERVICE_FIELDS,
      'template.containers[0] must be an object'
    ],
    [{ traffic: [] }, WORKER_POOL_FIELDS, 'traffic is not a field here'],
    [
      { template: { template: { maxRetires: 3 } } },
      JOB_FIELDS,
      'template.template.maxRetires is not a field here (did you mean maxRetries?)'
    ],
    [
      {
        template: {
          taskCount: 2,
          template: { containers: [{ env: [{ name: 'A', valueFrom: {} }] }] }
        }
      },
      JOB_FIELDS,
      'template.template.containers[0].env[0].valueFrom is not a field here'
    ],
    [
      { template: { sessionAffinity: true } },
      WORKER_POOL_FIELDS,
      'template.sessionAffinity is not a field here'
    ]
  ])('%j is refused', (document, shape, expected) => {
    expect(problem(checkFields(document, shape))).toBe(expected)
  })
})

test('a base spec cannot replace the live etag: only the live one guards the update', () => {
  const desired = desiredResource(
    'service',
    { etag: '"live"', template: { containers: [{ image: 'a' }] } },
    { etag: '"from-an-old-read"', description: 'x' },
    {
      image: 'b',
      container: undefined,
      env: undefined,
      secrets: undefined,
      labels: undefined,
      defaultLabels: new Map(),
      runtimeServiceAccount: undefined,
      timeout: undefined,
      flags: undefined,
      project: 'p',
      region: 'r',
      tag: undefined,
      noTraffic: false,
      revisionTraffic: undefined,
      tagTraffic: undefined,
      revisionName: undefined,
      client: { name: 'c', version: '1' }
    }
  ).resource
  expect(desired).toMatchObject({ etag: '"live"', description: 'x' })
})
