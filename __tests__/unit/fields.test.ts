import {
  checkFields,
  JOB_FIELDS,
  SERVICE_FIELDS,
  WORKER_POOL_FIELDS
} from '../../src/deploy/fields.js'
import { desiredResource } from '../../src/deploy/spec.js'

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

  test('output-only fields of a copied GET response are dropped, etag included', () => {
    const result = checkFields(
      {
        uid: 'u',
        etag: '"old"',
        generation: '4',
        uri: 'https://x.run.app',
        terminalCondition: { state: 'CONDITION_SUCCEEDED' },
        template: { containers: [{ image: 'nginx', buildInfo: { functionTarget: 'f' } }] }
      },
      SERVICE_FIELDS
    )
    expect(result).toEqual({ resource: { template: { containers: [{ image: 'nginx' }] } } })
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
      envVars: undefined,
      envVarsUpdateStrategy: 'merge',
      secrets: undefined,
      secretsUpdateStrategy: 'merge',
      labels: undefined,
      runtimeServiceAccount: undefined,
      tag: undefined,
      noTraffic: false,
      revisionName: undefined,
      client: { name: 'c', version: '1' }
    }
  )
  expect(desired).toMatchObject({ etag: '"live"', description: 'x' })
})
