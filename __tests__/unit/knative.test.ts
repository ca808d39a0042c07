import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { checkFields, JOB_FIELDS, SERVICE_FIELDS } from '../../src/deploy/fields.js'
import { isKnativeDocument, knativeToV2, type KnativeContext } from '../../src/dialects/knative.js'

const FIXTURES = join('__tests__', 'fixtures', 'knative')
const fixture = (name: string) =>
  parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>

type Doc = Record<string, unknown>
type Obj = Record<string, unknown>

/** A minimal service around the parts a case is about. */
function service(
  parts: {
    annotations?: Obj
    labels?: Obj
    metadata?: Obj
    templateMetadata?: Obj
    templateAnnotations?: Obj
    spec?: Obj
    containers?: Obj[]
    traffic?: Obj[]
    top?: Obj
  } = {}
): Doc {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: {
      name: 'api',
      ...(parts.labels && { labels: parts.labels }),
      ...(parts.annotations && { annotations: parts.annotations }),
      ...parts.metadata
    },
    spec: {
      template: {
        metadata: {
          ...(parts.templateAnnotations && { annotations: parts.templateAnnotations }),
          ...parts.templateMetadata
        },
        spec: { containers: parts.containers ?? [{ image: 'nginx' }], ...parts.spec }
      },
      ...(parts.traffic && { traffic: parts.traffic })
    },
    ...parts.top
  }
}

/** A minimal job around the parts a case is about. */
function job(
  parts: {
    annotations?: Obj
    metadata?: Obj
    templateAnnotations?: Obj
    templateMetadata?: Obj
    executionSpec?: Obj
    taskSpec?: Obj
    spec?: Obj
  } = {}
): Doc {
  return {
    apiVersion: 'run.googleapis.com/v1',
    kind: 'Job',
    metadata: {
      name: 'report',
      ...(parts.annotations && { annotations: parts.annotations }),
      ...parts.metadata
    },
    spec: {
      template: {
        metadata: {
          ...(parts.templateAnnotations && { annotations: parts.templateAnnotations }),
          ...parts.templateMetadata
        },
        spec: {
          ...parts.executionSpec,
          template: { spec: { containers: [{ image: 'busybox' }], ...parts.taskSpec } }
        }
      },
      ...parts.spec
    }
  }
}

function converted(document: Doc, context?: KnativeContext) {
  const result = knativeToV2(document, context)
  if ('problem' in result) {
    throw new Error(`unexpected problem: ${result.problem.path} ${result.problem.problem}`)
  }
  return result
}
const resourceOf = (document: Doc, context?: KnativeContext) =>
  converted(document, context).resource

function problemOf(document: Doc, context?: KnativeContext) {
  const result = knativeToV2(document, context)
  if (!('problem' in result)) throw new Error('expected a problem, got a resource')
  return result.problem
}

const LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST'
const REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION'

describe('knativeToV2 on gcloud --format export files', () => {
  test('a service: every mapped field, and the output passes the v2 field table unchanged', () => {
    const result = converted(fixture('service.yaml'))
    expect(result.kind).toBe('service')
    expect(result.resource).toEqual({
      name: 'checkout',
      labels: { team: 'payments' },
      description: 'Checkout API',
      launchStage: 'BETA',
      ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
      binaryAuthorization: { useDefault: true },
      customAudiences: ['https://checkout.example.com'],
      invokerIamDisabled: false,
      scaling: { minInstanceCount: 1 },
      template: {
        revision: 'checkout-00042-baz',
        labels: { team: 'payments' },
        scaling: { minInstanceCount: 2, maxInstanceCount: 20 },
        maxInstanceRequestConcurrency: 80,
        timeout: '120s',
        serviceAccount: 'checkout@shop-prod.iam.gserviceaccount.com',
        sessionAffinity: true,
        executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
        vpcAccess: {
          egress: 'PRIVATE_RANGES_ONLY',
          networkInterfaces: [{ network: 'default', subnetwork: 'run-egress', tags: ['checkout'] }]
        },
        containers: [
          {
            name: 'app',
            image:
              'europe-west1-docker.pkg.dev/shop-prod/apps/checkout@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945',
            env: [
              { name: 'LOG_LEVEL', value: 'info' },
              {
                name: 'STRIPE_KEY',
                valueSource: {
                  secretKeyRef: { secret: 'projects/987654321098/secrets/stripe-key', version: '3' }
                }
              },
              {
                name: 'DB_PASSWORD',
                valueSource: { secretKeyRef: { secret: 'orders-db-password', version: 'latest' } }
              }
            ],
            ports: [{ containerPort: 8080, name: 'http1' }],
            resources: {
              limits: { cpu: '2', memory: '1Gi' },
              cpuIdle: false,
              startupCpuBoost: true
            },
            volumeMounts: [
              { name: 'tls', mountPath: '/secrets' },
              { name: 'scratch', mountPath: '/cache' },
              { name: 'assets', mountPath: '/assets' },
              { name: 'cloudsql', mountPath: '/cloudsql' }
            ],
            livenessProbe: {
              failureThreshold: 3,
              periodSeconds: 30,
              timeoutSeconds: 5,
              httpGet: {
                path: '/healthz',
                port: 8080,
                httpHeaders: [{ name: 'X-Probe', value: 'liveness' }]
              }
            },
            startupProbe: {
              failureThreshold: 1,
              periodSeconds: 240,
              timeoutSeconds: 240,
              tcpSocket: { port: 8080 }
            },
            dependsOn: ['proxy']
          },
          {
            name: 'proxy',
            image: 'europe-west1-docker.pkg.dev/shop-prod/apps/proxy:1.4.2',
            args: ['--listen=127.0.0.1:9000'],
            resources: {
              limits: { cpu: '1000m', memory: '256Mi' },
              cpuIdle: false,
              startupCpuBoost: true
            },
            volumeMounts: [{ name: 'cloudsql', mountPath: '/cloudsql' }]
          }
        ],
        volumes: [
          {
            name: 'tls',
            secret: {
              secret: 'checkout-tls',
              items: [{ version: 'latest', path: 'tls.crt', mode: 292 }]
            }
          },
          { name: 'scratch', emptyDir: { medium: 'MEMORY', sizeLimit: '256Mi' } },
          {
            name: 'assets',
            gcs: {
              bucket: 'shop-prod-assets',
              readOnly: true,
              mountOptions: ['implicit-dirs', 'stat-cache-ttl=60s']
            }
          },
          { name: 'cloudsql', cloudSqlInstance: { instances: ['shop-prod:europe-west1:orders'] } }
        ]
      },
      traffic: [
        { type: LATEST, percent: 90 },
        { type: REVISION, revision: 'checkout-00041-pov', percent: 10, tag: 'previous' }
      ]
    })
    expect([...result.dropped].sort()).toEqual(
      [
        'metadata.namespace',
        'metadata.labels["cloud.googleapis.com/location"]',
        'metadata.annotations["run.googleapis.com/ingress-status"]',
        'metadata.annotations["run.googleapis.com/urls"]',
        'spec.template.metadata.labels["client.knative.dev/nonce"]',
        'spec.template.metadata.labels["run.googleapis.com/startupProbeType"]',
        'spec.template.metadata.annotations["run.googleapis.com/client-name"]',
        'spec.template.metadata.annotations["run.googleapis.com/client-version"]'
      ].sort()
    )
    expect(checkFields(result.resource, SERVICE_FIELDS)).toEqual({ resource: result.resource })
  })

  test('a job: every mapped field, and the output passes the v2 field table unchanged', () => {
    const result = converted(fixture('job.yaml'))
    expect(result.kind).toBe('job')
    expect(result.resource).toEqual({
      name: 'nightly-report',
      labels: { team: 'data' },
      launchStage: 'GA',
      template: {
        labels: { team: 'data' },
        parallelism: 2,
        taskCount: 4,
        template: {
          containers: [
            {
              name: 'report',
              image: 'us-central1-docker.pkg.dev/shop-prod/jobs/nightly-report:2026.05.1',
              command: ['/app/report'],
              args: ['--date=yesterday'],
              env: [
                {
                  name: 'WAREHOUSE_PASSWORD',
                  valueSource: { secretKeyRef: { secret: 'warehouse-password', version: '7' } }
                }
              ],
              // A job's CPU is never throttled: no cpuIdle is added.
              resources: { limits: { cpu: '2', memory: '4Gi' } },
              volumeMounts: [
                { name: 'out', mountPath: '/out' },
                { name: 'cloudsql', mountPath: '/cloudsql' }
              ]
            }
          ],
          volumes: [
            { name: 'out', nfs: { server: '10.20.0.2', path: '/exports/reports' } },
            {
              name: 'cloudsql',
              cloudSqlInstance: { instances: ['shop-prod:us-central1:warehouse'] }
            }
          ],
          maxRetries: 1,
          timeout: '3600s',
          serviceAccount: 'reports@shop-prod.iam.gserviceaccount.com',
          executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
          vpcAccess: {
            connector: 'projects/shop-prod/locations/us-central1/connectors/data-egress',
            egress: 'ALL_TRAFFIC'
          }
        }
      }
    })
    expect([...result.dropped].sort()).toEqual(
      [
        'metadata.namespace',
        'metadata.labels["cloud.googleapis.com/location"]',
        'metadata.labels["run.googleapis.com/lastUpdatedTime"]',
        'metadata.annotations["run.googleapis.com/creator"]',
        'metadata.annotations["run.googleapis.com/lastModifier"]',
        'spec.template.metadata.labels["client.knative.dev/nonce"]',
        'spec.template.metadata.annotations["run.googleapis.com/client-name"]',
        'spec.template.metadata.annotations["run.googleapis.com/client-version"]'
      ].sort()
    )
    expect(checkFields(result.resource, JOB_FIELDS)).toEqual({ resource: result.resource })
  })
})

describe('isKnativeDocument', () => {
  test.each([
    [{ apiVersion: 'serving.knative.dev/v1', kind: 'Service' }, true],
    [{ apiVersion: 'run.googleapis.com/v1' }, true],
    [{ kind: 'Job' }, true],
    [{ template: { containers: [] } }, false],
    [{}, false]
  ])('%j → %s', (document, expected) => {
    expect(isKnativeDocument(document)).toBe(expected)
  })
})

describe('apiVersion and kind', () => {
  test.each([
    ['serving.knative.dev/v1', 'Service', 'service'],
    ['run.googleapis.com/v1', 'Job', 'job']
  ])('%s %s converts to a %s', (apiVersion, kind, expected) => {
    const result = converted({ apiVersion, kind, metadata: { name: 'x' } })
    expect(result.kind).toBe(expected)
    expect(result.resource).toEqual({ name: 'x' })
  })

  test.each([
    [
      { apiVersion: 'serving.knative.dev/v1', kind: 'Revision' },
      'kind',
      /^is not supported; .*kind Service/
    ],
    [{ apiVersion: 'serving.knative.dev/v1', kind: 'Configuration' }, 'kind', /^is not supported/],
    [{ apiVersion: 'serving.knative.dev/v1', kind: 'Job' }, 'kind', /expected kind Service/],
    [{ apiVersion: 'run.googleapis.com/v1', kind: 'Service' }, 'kind', /expected kind Job/],
    [{ apiVersion: 'run.googleapis.com/v1', kind: 'WorkerPool' }, 'kind', /expected kind Job/],
    [{ apiVersion: 'serving.knative.dev/v1' }, 'kind', /^is missing/],
    [{ kind: 'Service' }, 'apiVersion', /^is missing; expected serving\.knative\.dev\/v1/],
    [
      { apiVersion: 'serving.knative.dev/v1alpha1', kind: 'Service' },
      'apiVersion',
      /^is not supported/
    ],
    [{ apiVersion: 'apps/v1', kind: 'Deployment' }, 'apiVersion', /^is not supported/],
    [{ apiVersion: 1, kind: 'Service' }, 'apiVersion', /^must be a string/]
  ])('%j: %s %s', (document, path, problem) => {
    const found = problemOf(document)
    expect(found.path).toBe(path)
    expect(found.problem).toMatch(problem)
  })
})

describe("a service's own annotations", () => {
  test.each([
    ['run.googleapis.com/ingress', 'all', { ingress: 'INGRESS_TRAFFIC_ALL' }],
    ['run.googleapis.com/ingress', 'internal', { ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY' }],
    [
      'run.googleapis.com/ingress',
      'internal-and-cloud-load-balancing',
      { ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER' }
    ],
    ['run.googleapis.com/launch-stage', 'BETA', { launchStage: 'BETA' }],
    ['run.googleapis.com/launch-stage', 'alpha', { launchStage: 'ALPHA' }],
    ['run.googleapis.com/description', 'Orders API', { description: 'Orders API' }],
    [
      'run.googleapis.com/binary-authorization',
      'default',
      { binaryAuthorization: { useDefault: true } }
    ],
    [
      'run.googleapis.com/binary-authorization',
      'projects/p/platforms/cloudRun/policies/strict',
      { binaryAuthorization: { policy: 'projects/p/platforms/cloudRun/policies/strict' } }
    ],
    [
      'run.googleapis.com/binary-authorization-breakglass',
      'incident 42',
      { binaryAuthorization: { breakglassJustification: 'incident 42' } }
    ],
    [
      'run.googleapis.com/custom-audiences',
      '["a","https://b"]',
      { customAudiences: ['a', 'https://b'] }
    ],
    ['run.googleapis.com/invoker-iam-disabled', 'true', { invokerIamDisabled: true }],
    ['run.googleapis.com/invoker-iam-disabled', 'False', { invokerIamDisabled: false }],
    ['run.googleapis.com/default-url-disabled', 'True', { defaultUriDisabled: true }],
    ['run.googleapis.com/iap-enabled', 'true', { iapEnabled: true }],
    ['run.googleapis.com/ssh-enabled', 'false', { sshEnabled: false }],
    ['run.googleapis.com/minScale', '3', { scaling: { minInstanceCount: 3 } }],
    ['run.googleapis.com/maxScale', '10', { scaling: { maxInstanceCount: 10 } }],
    ['run.googleapis.com/manualInstanceCount', '4', { scaling: { manualInstanceCount: 4 } }],
    ['run.googleapis.com/scalingMode', 'manual', { scaling: { scalingMode: 'MANUAL' } }],
    ['run.googleapis.com/scalingMode', 'automatic', { scaling: { scalingMode: 'AUTOMATIC' } }],
    [
      'run.googleapis.com/regions',
      'us-central1, europe-west1',
      { multiRegionSettings: { regions: ['us-central1', 'europe-west1'] } }
    ],
    // Annotations outside the system namespaces are v2 annotations too.
    ['example.com/owner', 'team-a', { annotations: { 'example.com/owner': 'team-a' } }],
    // YAML without quotes: a number is taken as its text.
    ['run.googleapis.com/minScale', 2, { scaling: { minInstanceCount: 2 } }]
  ])('%s: %j', (key, value, expected) => {
    expect(resourceOf(service({ annotations: { [key]: value } }))).toMatchObject(expected)
  })

  test('both binary authorization annotations make one setting', () => {
    const resource = resourceOf(
      service({
        annotations: {
          'run.googleapis.com/binary-authorization': 'default',
          'run.googleapis.com/binary-authorization-breakglass': 'hotfix'
        }
      })
    )
    expect(resource['binaryAuthorization']).toEqual({
      useDefault: true,
      breakglassJustification: 'hotfix'
    })
  })

  test('labels are carried over, the location label is not', () => {
    const result = converted(
      service({ labels: { env: 'prod', 'cloud.googleapis.com/location': 'us-east1' } })
    )
    expect(result.resource['labels']).toEqual({ env: 'prod' })
    expect(result.dropped).toEqual(['metadata.labels["cloud.googleapis.com/location"]'])
  })
})

describe("a service's template annotations", () => {
  test.each([
    ['autoscaling.knative.dev/minScale', '1', { scaling: { minInstanceCount: 1 } }],
    ['autoscaling.knative.dev/maxScale', '5', { scaling: { maxInstanceCount: 5 } }],
    ['run.googleapis.com/scaling-cpu-target', '0.6', { scaling: { cpuUtilization: 0.6 } }],
    [
      'run.googleapis.com/scaling-concurrency-target',
      '0.8',
      { scaling: { concurrencyUtilization: 0.8 } }
    ],
    ['run.googleapis.com/scaling-cpu-target', '0', { scaling: { cpuUtilization: 0 } }],
    [
      'run.googleapis.com/cpu-throttling',
      'true',
      { containers: [{ resources: { cpuIdle: true } }] }
    ],
    [
      'run.googleapis.com/cpu-throttling',
      'False',
      { containers: [{ resources: { cpuIdle: false } }] }
    ],
    [
      'run.googleapis.com/startup-cpu-boost',
      'true',
      { containers: [{ resources: { startupCpuBoost: true } }] }
    ],
    ['run.googleapis.com/sessionAffinity', 'true', { sessionAffinity: true }],
    ['run.googleapis.com/health-check-disabled', 'True', { healthCheckDisabled: true }],
    [
      'run.googleapis.com/cloudsql-instances',
      'p:r:a,p:r:b',
      {
        volumes: [{ name: 'cloudsql', cloudSqlInstance: { instances: ['p:r:a', 'p:r:b'] } }],
        containers: [{ volumeMounts: [{ name: 'cloudsql', mountPath: '/cloudsql' }] }]
      }
    ],
    [
      'run.googleapis.com/execution-environment',
      'gen1',
      { executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN1' }
    ],
    [
      'run.googleapis.com/execution-environment',
      'gen2',
      { executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2' }
    ],
    [
      'run.googleapis.com/vpc-access-connector',
      'projects/p/locations/r/connectors/c',
      { vpcAccess: { connector: 'projects/p/locations/r/connectors/c' } }
    ],
    ['run.googleapis.com/vpc-access-egress', 'all', { vpcAccess: { egress: 'ALL_TRAFFIC' } }],
    [
      'run.googleapis.com/vpc-access-egress',
      'all-traffic',
      { vpcAccess: { egress: 'ALL_TRAFFIC' } }
    ],
    [
      'run.googleapis.com/vpc-access-egress',
      'private-ranges-only',
      { vpcAccess: { egress: 'PRIVATE_RANGES_ONLY' } }
    ],
    [
      'run.googleapis.com/network-interfaces',
      '[{"network":"n","subnetwork":"s","tags":["t1","t2"]}]',
      { vpcAccess: { networkInterfaces: [{ network: 'n', subnetwork: 's', tags: ['t1', 't2'] }] } }
    ],
    [
      'run.googleapis.com/encryption-key',
      'projects/p/locations/r/keyRings/k/cryptoKeys/c',
      { encryptionKey: 'projects/p/locations/r/keyRings/k/cryptoKeys/c' }
    ],
    [
      'run.googleapis.com/post-key-revocation-action-type',
      'prevent-new',
      { encryptionKeyRevocationAction: 'PREVENT_NEW' }
    ],
    [
      'run.googleapis.com/post-key-revocation-action-type',
      'shut-down',
      { encryptionKeyRevocationAction: 'SHUTDOWN' }
    ],
    [
      'run.googleapis.com/encryption-key-shutdown-hours',
      '2',
      { encryptionKeyShutdownDuration: '7200s' }
    ],
    [
      'run.googleapis.com/gpu-zonal-redundancy-disabled',
      'true',
      { gpuZonalRedundancyDisabled: true }
    ],
    [
      'run.googleapis.com/mesh',
      'projects/p/locations/global/meshes/m',
      { serviceMesh: { mesh: 'projects/p/locations/global/meshes/m' } }
    ],
    [
      'run.googleapis.com/base-images',
      '{"":"us-central1-docker.pkg.dev/serverless-runtimes/google-22/runtimes/nodejs22"}',
      {
        containers: [
          {
            baseImageUri:
              'us-central1-docker.pkg.dev/serverless-runtimes/google-22/runtimes/nodejs22'
          }
        ]
      }
    ],
    [
      'run.googleapis.com/identity',
      'spiffe://example.org/api',
      { workloadIdentityConfig: { identity: 'spiffe://example.org/api' } }
    ],
    [
      'run.googleapis.com/identity-certificate-enabled',
      'true',
      { workloadIdentityConfig: { identityCertificateEnabled: true } }
    ],
    ['example.com/note', 'kept', { annotations: { 'example.com/note': 'kept' } }]
  ])('%s: %j', (key, value, expected) => {
    const resource = resourceOf(service({ templateAnnotations: { [key]: value } }))
    expect(resource['template']).toMatchObject(expected)
  })

  test('without cpu-throttling, a container with resources keeps v1 request-based CPU (cpuIdle: true)', () => {
    const resource = resourceOf(
      service({
        containers: [
          { name: 'a', image: 'a', resources: { limits: { memory: '1Gi' } } },
          { name: 'b', image: 'b' }
        ]
      })
    )
    expect(resource['template']).toMatchObject({
      containers: [
        { name: 'a', resources: { limits: { memory: '1Gi' }, cpuIdle: true } },
        { name: 'b' }
      ]
    })
    expect((resource['template'] as { containers: Obj[] }).containers[1]).not.toHaveProperty(
      'resources'
    )
  })

  test('container-dependencies become each container’s dependsOn', () => {
    const resource = resourceOf(
      service({
        templateAnnotations: {
          'run.googleapis.com/container-dependencies': '{"app":["db","cache"],"cache":["db"]}'
        },
        containers: [
          { name: 'app', image: 'app', ports: [{ containerPort: 8080 }] },
          { name: 'cache', image: 'redis' },
          { name: 'db', image: 'postgres' }
        ]
      })
    )
    expect(resource['template']).toMatchObject({
      containers: [
        { name: 'app', dependsOn: ['db', 'cache'] },
        { name: 'cache', dependsOn: ['db'] },
        { name: 'db' }
      ]
    })
  })

  test('secret aliases resolve to the other project’s secret, in env and in volumes', () => {
    const resource = resourceOf(
      service({
        templateAnnotations: {
          'run.googleapis.com/secrets':
            'api-key:projects/111/secrets/api-key,cert:projects/222/secrets/tls-cert'
        },
        containers: [
          {
            image: 'app',
            env: [
              { name: 'KEY', valueFrom: { secretKeyRef: { name: 'api-key', key: '5' } } },
              { name: 'LOCAL', valueFrom: { secretKeyRef: { name: 'local', key: 'latest' } } }
            ]
          }
        ],
        spec: { volumes: [{ name: 'tls', secret: { secretName: 'cert' } }] }
      })
    )
    expect(resource['template']).toMatchObject({
      containers: [
        {
          env: [
            {
              name: 'KEY',
              valueSource: {
                secretKeyRef: { secret: 'projects/111/secrets/api-key', version: '5' }
              }
            },
            { name: 'LOCAL', valueSource: { secretKeyRef: { secret: 'local', version: 'latest' } } }
          ]
        }
      ],
      volumes: [{ name: 'tls', secret: { secret: 'projects/222/secrets/tls-cert' } }]
    })
  })

  test('a short VPC connector name is completed from the deploy target', () => {
    const resource = resourceOf(
      service({ templateAnnotations: { 'run.googleapis.com/vpc-access-connector': 'egress' } }),
      { project: 'shop-prod', region: 'europe-west1' }
    )
    expect(resource['template']).toMatchObject({
      vpcAccess: { connector: 'projects/shop-prod/locations/europe-west1/connectors/egress' }
    })
  })

  test('template labels are carried over', () => {
    const resource = resourceOf(service({ templateMetadata: { labels: { version: 'v2' } } }))
    expect(resource['template']).toMatchObject({ labels: { version: 'v2' } })
  })
})

describe("a service's spec", () => {
  test.each<[string, Obj, Obj]>([
    ['containerConcurrency', { containerConcurrency: 10 }, { maxInstanceRequestConcurrency: 10 }],
    ['timeoutSeconds', { timeoutSeconds: 300 }, { timeout: '300s' }],
    ['timeoutSeconds as a string', { timeoutSeconds: '900' }, { timeout: '900s' }],
    [
      'serviceAccountName',
      { serviceAccountName: 'sa@p.iam.gserviceaccount.com' },
      { serviceAccount: 'sa@p.iam.gserviceaccount.com' }
    ],
    [
      'terminationGracePeriodSeconds',
      { terminationGracePeriodSeconds: '30' },
      { terminationGracePeriod: '30s' }
    ],
    [
      'nodeSelector',
      { nodeSelector: { 'run.googleapis.com/accelerator': 'nvidia-l4' } },
      { nodeSelector: { accelerator: 'nvidia-l4' } }
    ],
    [
      'volumes: secret with defaultMode',
      { volumes: [{ name: 's', secret: { secretName: 'cfg', defaultMode: 256 } }] },
      { volumes: [{ name: 's', secret: { secret: 'cfg', defaultMode: 256 } }] }
    ],
    [
      'volumes: secret items',
      {
        volumes: [
          { name: 's', secret: { secretName: 'cfg', items: [{ key: '2', path: 'a.json' }] } }
        ]
      },
      {
        volumes: [
          { name: 's', secret: { secret: 'cfg', items: [{ version: '2', path: 'a.json' }] } }
        ]
      }
    ],
    [
      'volumes: emptyDir',
      { volumes: [{ name: 'e', emptyDir: {} }] },
      { volumes: [{ name: 'e', emptyDir: {} }] }
    ],
    [
      'volumes: emptyDir on disk',
      { volumes: [{ name: 'e', emptyDir: { medium: 'Disk', sizeLimit: '10Gi' } }] },
      { volumes: [{ name: 'e', emptyDir: { medium: 'DISK', sizeLimit: '10Gi' } }] }
    ],
    [
      'volumes: emptyDir default medium',
      { volumes: [{ name: 'e', emptyDir: { medium: '' } }] },
      { volumes: [{ name: 'e', emptyDir: {} }] }
    ],
    [
      'volumes: nfs',
      { volumes: [{ name: 'n', nfs: { server: '10.0.0.2', path: '/share', readOnly: true } }] },
      { volumes: [{ name: 'n', nfs: { server: '10.0.0.2', path: '/share', readOnly: true } }] }
    ],
    [
      'volumes: Cloud Storage',
      {
        volumes: [
          {
            name: 'g',
            csi: { driver: 'gcsfuse.run.googleapis.com', volumeAttributes: { bucketName: 'b' } }
          }
        ]
      },
      { volumes: [{ name: 'g', gcs: { bucket: 'b' } }] }
    ]
  ])('%s', (_name, spec, expected) => {
    expect(resourceOf(service({ spec }))['template']).toMatchObject(expected)
  })

  test.each<[string, Obj, Obj]>([
    [
      'name, image, command, args, workingDir',
      { name: 'web', image: 'nginx:1.27', command: ['/bin/run'], args: ['-v'], workingDir: '/srv' },
      { name: 'web', image: 'nginx:1.27', command: ['/bin/run'], args: ['-v'], workingDir: '/srv' }
    ],
    [
      'env value',
      { image: 'x', env: [{ name: 'A', value: 'b' }] },
      { env: [{ name: 'A', value: 'b' }] }
    ],
    [
      'env empty value',
      { image: 'x', env: [{ name: 'A', value: '' }] },
      { env: [{ name: 'A', value: '' }] }
    ],
    [
      'env secret',
      {
        image: 'x',
        env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'latest' } } }]
      },
      { env: [{ name: 'A', valueSource: { secretKeyRef: { secret: 's', version: 'latest' } } }] }
    ],
    [
      'ports',
      { image: 'x', ports: [{ containerPort: 9000, name: 'h2c', protocol: 'TCP' }] },
      { ports: [{ containerPort: 9000, name: 'h2c' }] }
    ],
    [
      'resource limits, numbers as text, GPU',
      { image: 'x', resources: { limits: { cpu: 4, memory: '16Gi', 'nvidia.com/gpu': '1' } } },
      { resources: { limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' }, cpuIdle: true } }
    ],
    ['empty resources', { image: 'x', resources: {} }, { resources: { cpuIdle: true } }],
    [
      'volumeMounts',
      {
        image: 'x',
        volumeMounts: [{ name: 'v', mountPath: '/v', subPath: 'sub', readOnly: true }]
      },
      { volumeMounts: [{ name: 'v', mountPath: '/v', subPath: 'sub' }] }
    ],
    [
      'liveness probe over gRPC',
      { image: 'x', livenessProbe: { grpc: { port: 8081, service: 'health' }, periodSeconds: 10 } },
      { livenessProbe: { grpc: { port: 8081, service: 'health' }, periodSeconds: 10 } }
    ],
    [
      'readiness probe over HTTP',
      { image: 'x', readinessProbe: { httpGet: { path: '/ready' }, failureThreshold: 2 } },
      { readinessProbe: { httpGet: { path: '/ready' }, failureThreshold: 2 } }
    ],
    [
      'startup probe over TCP',
      {
        image: 'x',
        startupProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 5, successThreshold: 1 }
      },
      { startupProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 5 } }
    ],
    ['sandboxLauncher', { image: 'x', sandboxLauncher: true }, { sandboxLauncher: true }]
  ])('container %s', (_name, container, expected) => {
    const template = resourceOf(service({ containers: [container] }))['template'] as {
      containers: Obj[]
    }
    expect(template.containers[0]).toEqual(
      expected.image === undefined ? expect.objectContaining(expected) : expected
    )
  })

  test.each<[string, Obj[], Obj[]]>([
    ['latest', [{ latestRevision: true, percent: 100 }], [{ type: LATEST, percent: 100 }]],
    ['latest by default', [{ percent: 100 }], [{ type: LATEST, percent: 100 }]],
    [
      'a revision, tagged',
      [{ revisionName: 'api-00001-abc', percent: 100, tag: 'blue' }],
      [{ type: REVISION, revision: 'api-00001-abc', percent: 100, tag: 'blue' }]
    ],
    [
      'a tag on latest without traffic',
      [{ latestRevision: true, percent: 0, tag: 'canary' }],
      [{ type: LATEST, percent: 0, tag: 'canary' }]
    ],
    [
      'a split',
      [
        { latestRevision: true, percent: 20 },
        { revisionName: 'api-00001-abc', percent: 80 }
      ],
      [
        { type: LATEST, percent: 20 },
        { type: REVISION, revision: 'api-00001-abc', percent: 80 }
      ]
    ]
  ])('traffic: %s', (_name, traffic, expected) => {
    expect(resourceOf(service({ traffic }))['traffic']).toEqual(expected)
  })

  test('the template name is the revision name', () => {
    const resource = resourceOf(service({ templateMetadata: { name: 'api-00007-xyz' } }))
    expect(resource['template']).toMatchObject({ revision: 'api-00007-xyz' })
  })

  test('a field set to null says nothing', () => {
    const resource = resourceOf(
      service({
        templateMetadata: { creationTimestamp: null, annotations: null },
        spec: { volumes: null }
      })
    )
    expect(resource['template']).toEqual({ containers: [{ image: 'nginx' }] })
  })
})

describe('a job', () => {
  test.each<[string, Parameters<typeof job>[0], Obj]>([
    [
      'launch-stage',
      { annotations: { 'run.googleapis.com/launch-stage': 'BETA' } },
      { launchStage: 'BETA' }
    ],
    [
      'binary-authorization',
      { annotations: { 'run.googleapis.com/binary-authorization': 'default' } },
      { binaryAuthorization: { useDefault: true } }
    ],
    [
      'binary-authorization-breakglass',
      { annotations: { 'run.googleapis.com/binary-authorization-breakglass': 'why' } },
      { binaryAuthorization: { breakglassJustification: 'why' } }
    ],
    [
      "execution-environment on the job's own metadata",
      { annotations: { 'run.googleapis.com/execution-environment': 'gen2' } },
      { template: { template: { executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2' } } }
    ],
    [
      'launch-stage on the execution template',
      { templateAnnotations: { 'run.googleapis.com/launch-stage': 'ALPHA' } },
      { launchStage: 'ALPHA' }
    ],
    [
      'execution-environment',
      { templateAnnotations: { 'run.googleapis.com/execution-environment': 'gen1' } },
      { template: { template: { executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN1' } } }
    ],
    [
      'cloudsql-instances',
      { templateAnnotations: { 'run.googleapis.com/cloudsql-instances': 'p:r:db' } },
      {
        template: {
          template: {
            volumes: [{ name: 'cloudsql', cloudSqlInstance: { instances: ['p:r:db'] } }],
            containers: [{ volumeMounts: [{ name: 'cloudsql', mountPath: '/cloudsql' }] }]
          }
        }
      }
    ],
    [
      'vpc-access-connector and egress',
      {
        templateAnnotations: {
          'run.googleapis.com/vpc-access-connector': 'projects/p/locations/r/connectors/c',
          'run.googleapis.com/vpc-access-egress': 'private-ranges-only'
        }
      },
      {
        template: {
          template: {
            vpcAccess: {
              connector: 'projects/p/locations/r/connectors/c',
              egress: 'PRIVATE_RANGES_ONLY'
            }
          }
        }
      }
    ],
    [
      'network-interfaces',
      { templateAnnotations: { 'run.googleapis.com/network-interfaces': '[{"subnetwork":"s"}]' } },
      { template: { template: { vpcAccess: { networkInterfaces: [{ subnetwork: 's' }] } } } }
    ],
    [
      'encryption-key',
      {
        templateAnnotations: {
          'run.googleapis.com/encryption-key': 'projects/p/locations/r/keyRings/k/cryptoKeys/c'
        }
      },
      {
        template: { template: { encryptionKey: 'projects/p/locations/r/keyRings/k/cryptoKeys/c' } }
      }
    ],
    [
      'gpu-zonal-redundancy-disabled',
      { templateAnnotations: { 'run.googleapis.com/gpu-zonal-redundancy-disabled': 'true' } },
      { template: { template: { gpuZonalRedundancyDisabled: true } } }
    ],
    [
      'secrets',
      {
        templateAnnotations: { 'run.googleapis.com/secrets': 'k:projects/9/secrets/k' },
        taskSpec: {
          containers: [
            {
              image: 'x',
              env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'k', key: '1' } } }]
            }
          ]
        }
      },
      {
        template: {
          template: {
            containers: [
              {
                env: [
                  {
                    name: 'K',
                    valueSource: { secretKeyRef: { secret: 'projects/9/secrets/k', version: '1' } }
                  }
                ]
              }
            ]
          }
        }
      }
    ],
    [
      'other annotations and labels',
      {
        templateAnnotations: { 'example.com/x': 'y' },
        templateMetadata: { labels: { batch: 'nightly' } }
      },
      { template: { annotations: { 'example.com/x': 'y' }, labels: { batch: 'nightly' } } }
    ],
    [
      'parallelism, taskCount, delayExecution',
      { executionSpec: { parallelism: 3, taskCount: 10, delayExecution: true } },
      { template: { parallelism: 3, taskCount: 10, delayExecution: true } }
    ],
    [
      'execution tokens',
      { spec: { runExecutionToken: 'r1', startExecutionToken: 's1' } },
      { runExecutionToken: 'r1', startExecutionToken: 's1' }
    ],
    [
      'task spec',
      {
        taskSpec: {
          maxRetries: 0,
          timeoutSeconds: 1800,
          serviceAccountName: 'sa@p.iam.gserviceaccount.com',
          terminationGracePeriodSeconds: 10,
          nodeSelector: { 'run.googleapis.com/accelerator': 'nvidia-l4' },
          volumes: [{ name: 'tmp', emptyDir: { medium: 'Memory' } }]
        }
      },
      {
        template: {
          template: {
            maxRetries: 0,
            timeout: '1800s',
            serviceAccount: 'sa@p.iam.gserviceaccount.com',
            terminationGracePeriod: '10s',
            nodeSelector: { accelerator: 'nvidia-l4' },
            volumes: [{ name: 'tmp', emptyDir: { medium: 'MEMORY' } }]
          }
        }
      }
    ]
  ])('%s', (_name, parts, expected) => {
    expect(resourceOf(job(parts))).toMatchObject(expected)
  })

  test('the same setting in both places is one setting; the repeat is dropped', () => {
    const result = converted(
      job({
        annotations: { 'run.googleapis.com/execution-environment': 'gen2' },
        templateAnnotations: { 'run.googleapis.com/execution-environment': 'gen2' }
      })
    )
    expect(result.resource).toMatchObject({
      template: { template: { executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2' } }
    })
    expect(result.dropped).toEqual([
      'metadata.annotations["run.googleapis.com/execution-environment"]'
    ])
  })
})

describe('fields accepted and deliberately not carried over', () => {
  test.each<[string, Doc, string]>([
    ['namespace', service({ metadata: { namespace: '123' } }), 'metadata.namespace'],
    [
      'resourceVersion',
      service({ metadata: { resourceVersion: 'AAY' } }),
      'metadata.resourceVersion'
    ],
    ['generation', service({ metadata: { generation: 7 } }), 'metadata.generation'],
    [
      'creationTimestamp',
      service({ metadata: { creationTimestamp: '2026-01-01T00:00:00Z' } }),
      'metadata.creationTimestamp'
    ],
    ['uid', service({ metadata: { uid: 'u' } }), 'metadata.uid'],
    [
      'selfLink',
      service({ metadata: { selfLink: '/apis/serving.knative.dev/v1/namespaces/1/services/api' } }),
      'metadata.selfLink'
    ],
    ['status', service({ top: { status: { url: 'https://api.run.app' } } }), 'status'],
    ...[
      'serving.knative.dev/creator',
      'serving.knative.dev/lastModifier',
      'run.googleapis.com/creatorEmail',
      'run.googleapis.com/lastModifierEmail',
      'run.googleapis.com/client-name',
      'run.googleapis.com/client-version',
      'run.googleapis.com/operation-id',
      'client.knative.dev/user-image',
      'run.googleapis.com/ingress-status',
      'run.googleapis.com/urls',
      'run.googleapis.com/threat-detection',
      'run.googleapis.com/build-id',
      'run.googleapis.com/build-image-uri',
      'run.googleapis.com/build-source-location',
      'run.googleapis.com/build-function-target',
      'run.googleapis.com/function-target'
    ].map((key): [string, Doc, string] => [
      key,
      service({ annotations: { [key]: 'x' } }),
      `metadata.annotations[${JSON.stringify(key)}]`
    ]),
    ...[
      'run.googleapis.com/client-name',
      'client.knative.dev/user-image',
      'run.googleapis.com/build-id'
    ].map((key): [string, Doc, string] => [
      `template ${key}`,
      service({ templateAnnotations: { [key]: 'x' } }),
      `spec.template.metadata.annotations[${JSON.stringify(key)}]`
    ]),
    [
      'location label',
      service({ labels: { 'cloud.googleapis.com/location': 'us-east1' } }),
      'metadata.labels["cloud.googleapis.com/location"]'
    ],
    [
      'satisfiesPzs label',
      service({ labels: { 'run.googleapis.com/satisfiesPzs': 'true' } }),
      'metadata.labels["run.googleapis.com/satisfiesPzs"]'
    ],
    [
      'multi-region-id label',
      service({ labels: { 'run.googleapis.com/multi-region-id': 'abc' } }),
      'metadata.labels["run.googleapis.com/multi-region-id"]'
    ],
    [
      'nonce label',
      service({ templateMetadata: { labels: { 'client.knative.dev/nonce': 'abc' } } }),
      'spec.template.metadata.labels["client.knative.dev/nonce"]'
    ],
    [
      'startupProbeType label',
      service({
        templateMetadata: { labels: { 'run.googleapis.com/startupProbeType': 'Default' } }
      }),
      'spec.template.metadata.labels["run.googleapis.com/startupProbeType"]'
    ],
    [
      'port protocol TCP',
      service({ containers: [{ image: 'x', ports: [{ containerPort: 80, protocol: 'TCP' }] }] }),
      'spec.template.spec.containers[0].ports[0].protocol'
    ],
    [
      'volume mount readOnly',
      service({
        containers: [
          { image: 'x', volumeMounts: [{ name: 'v', mountPath: '/v', readOnly: true }] }
        ],
        spec: { volumes: [{ name: 'v', emptyDir: {} }] }
      }),
      'spec.template.spec.containers[0].volumeMounts[0].readOnly'
    ],
    [
      'probe successThreshold 1',
      service({
        containers: [{ image: 'x', startupProbe: { tcpSocket: {}, successThreshold: 1 } }]
      }),
      'spec.template.spec.containers[0].startupProbe.successThreshold'
    ],
    [
      'traffic url',
      service({ traffic: [{ percent: 100, latestRevision: true, url: 'https://x' }] }),
      'spec.traffic[0].url'
    ],
    [
      'base image runtime class',
      service({ spec: { runtimeClassName: 'run.googleapis.com/linux-base-image-update' } }),
      'spec.template.spec.runtimeClassName'
    ],
    [
      'job creator',
      job({ annotations: { 'run.googleapis.com/creator': 'a@b' } }),
      'metadata.annotations["run.googleapis.com/creator"]'
    ],
    [
      'job lastModifier',
      job({ annotations: { 'run.googleapis.com/lastModifier': 'a@b' } }),
      'metadata.annotations["run.googleapis.com/lastModifier"]'
    ],
    [
      'job lastUpdatedTime label',
      job({
        metadata: { labels: { 'run.googleapis.com/lastUpdatedTime': '2026-01-01T00:00:00Z' } }
      }),
      'metadata.labels["run.googleapis.com/lastUpdatedTime"]'
    ],
    [
      'job execution nonce label',
      job({ templateMetadata: { labels: { 'client.knative.dev/nonce': 'n' } } }),
      'spec.template.metadata.labels["client.knative.dev/nonce"]'
    ]
  ])('%s', (_name, document, path) => {
    const result = converted(document)
    expect(result.dropped).toContain(path)
  })
})

describe('what the conversion refuses, by the path the file spells', () => {
  test.each<[string, Doc, string, RegExp]>([
    [
      'an unknown container field',
      service({ containers: [{ image: 'x', lifecycle: { preStop: {} } }] }),
      'spec.template.spec.containers[0].lifecycle',
      /^is not supported/
    ],
    [
      'an unknown run.googleapis.com annotation',
      service({ annotations: { 'run.googleapis.com/unknown': 'x' } }),
      'metadata.annotations["run.googleapis.com/unknown"]',
      /^is not supported: .*rejects annotations in the run\.googleapis\.com namespace/
    ],
    [
      'an unknown autoscaling annotation on the template',
      service({ templateAnnotations: { 'autoscaling.knative.dev/target': '50' } }),
      'spec.template.metadata.annotations["autoscaling.knative.dev/target"]',
      /^is not supported/
    ],
    [
      'an unknown run.googleapis.com label',
      service({ labels: { 'run.googleapis.com/custom': 'x' } }),
      'metadata.labels["run.googleapis.com/custom"]',
      /rejects labels in the run\.googleapis\.com namespace/
    ],
    [
      'a preview annotation with no v2 field here',
      service({ templateAnnotations: { 'run.googleapis.com/identity-type': 'workload-identity' } }),
      'spec.template.metadata.annotations["run.googleapis.com/identity-type"]',
      /^is not supported/
    ],
    [
      'a revision annotation on the service',
      service({ annotations: { 'autoscaling.knative.dev/maxScale': '3' } }),
      'metadata.annotations["autoscaling.knative.dev/maxScale"]',
      /^is not supported in a Service's metadata\.annotations; Cloud Run reads it in a Service's spec\.template\.metadata\.annotations$/
    ],
    [
      'a service annotation on the template',
      service({ templateAnnotations: { 'run.googleapis.com/ingress': 'all' } }),
      'spec.template.metadata.annotations["run.googleapis.com/ingress"]',
      /Cloud Run reads it in a Service's metadata\.annotations/
    ],
    [
      'a revision-only annotation on a job',
      job({ templateAnnotations: { 'run.googleapis.com/cpu-throttling': 'false' } }),
      'spec.template.metadata.annotations["run.googleapis.com/cpu-throttling"]',
      /^is not supported in a Job's spec\.template\.metadata\.annotations/
    ],
    [
      'a whole number that is not',
      service({ templateAnnotations: { 'autoscaling.knative.dev/maxScale': 'ten' } }),
      'spec.template.metadata.annotations["autoscaling.knative.dev/maxScale"]',
      /^must be a whole number$/
    ],
    [
      'a negative count',
      service({ annotations: { 'run.googleapis.com/minScale': '-1' } }),
      'metadata.annotations["run.googleapis.com/minScale"]',
      /^must be a whole number$/
    ],
    [
      'a boolean that is not',
      service({ templateAnnotations: { 'run.googleapis.com/cpu-throttling': 'maybe' } }),
      'spec.template.metadata.annotations["run.googleapis.com/cpu-throttling"]',
      /^must be true or false$/
    ],
    [
      'an unknown ingress',
      service({ annotations: { 'run.googleapis.com/ingress': 'public' } }),
      'metadata.annotations["run.googleapis.com/ingress"]',
      /^must be one of all, internal, internal-and-cloud-load-balancing$/
    ],
    [
      'session scaling, which v2 lacks',
      service({ annotations: { 'run.googleapis.com/scalingMode': 'session' } }),
      'metadata.annotations["run.googleapis.com/scalingMode"]',
      /^must be one of automatic, manual$/
    ],
    [
      'an unknown launch stage',
      service({ annotations: { 'run.googleapis.com/launch-stage': 'beta2' } }),
      'metadata.annotations["run.googleapis.com/launch-stage"]',
      /^must be one of/
    ],
    [
      'an unknown execution environment',
      service({ templateAnnotations: { 'run.googleapis.com/execution-environment': 'gen3' } }),
      'spec.template.metadata.annotations["run.googleapis.com/execution-environment"]',
      /^must be one of gen1, gen2$/
    ],
    [
      'an unknown egress',
      service({ templateAnnotations: { 'run.googleapis.com/vpc-access-egress': 'some' } }),
      'spec.template.metadata.annotations["run.googleapis.com/vpc-access-egress"]',
      /^must be one of/
    ],
    [
      'an unknown key revocation action',
      service({
        templateAnnotations: { 'run.googleapis.com/post-key-revocation-action-type': 'stop' }
      }),
      'spec.template.metadata.annotations["run.googleapis.com/post-key-revocation-action-type"]',
      /^must be one of prevent-new, shut-down$/
    ],
    [
      'shutdown hours that are not',
      service({
        templateAnnotations: { 'run.googleapis.com/encryption-key-shutdown-hours': '1.5' }
      }),
      'spec.template.metadata.annotations["run.googleapis.com/encryption-key-shutdown-hours"]',
      /^must be a whole number$/
    ],
    [
      'a utilization that is not',
      service({ templateAnnotations: { 'run.googleapis.com/scaling-cpu-target': 'high' } }),
      'spec.template.metadata.annotations["run.googleapis.com/scaling-cpu-target"]',
      /^must be a decimal number/
    ],
    [
      'custom audiences that are not JSON',
      service({ annotations: { 'run.googleapis.com/custom-audiences': 'a,b' } }),
      'metadata.annotations["run.googleapis.com/custom-audiences"]',
      /^must be JSON: a list of strings$/
    ],
    [
      'network interfaces that are not a list',
      service({
        templateAnnotations: { 'run.googleapis.com/network-interfaces': '{"network":"n"}' }
      }),
      'spec.template.metadata.annotations["run.googleapis.com/network-interfaces"]',
      /^must be JSON: a list of/
    ],
    [
      'a misspelt network interface field',
      service({
        templateAnnotations: { 'run.googleapis.com/network-interfaces': '[{"netwrk":"n"}]' }
      }),
      'spec.template.metadata.annotations["run.googleapis.com/network-interfaces"]',
      /^must be JSON/
    ],
    [
      'a dependency on a missing container',
      service({
        templateAnnotations: { 'run.googleapis.com/container-dependencies': '{"app":["ghost"]}' },
        containers: [{ name: 'app', image: 'x' }]
      }),
      'spec.template.metadata.annotations["run.googleapis.com/container-dependencies"]',
      /names a container the template does not have \(ghost\)/
    ],
    [
      'dependencies that are not JSON',
      service({ templateAnnotations: { 'run.googleapis.com/container-dependencies': 'app=db' } }),
      'spec.template.metadata.annotations["run.googleapis.com/container-dependencies"]',
      /^must be JSON/
    ],
    [
      'a base image for a missing container',
      service({ templateAnnotations: { 'run.googleapis.com/base-images': '{"web":"x"}' } }),
      'spec.template.metadata.annotations["run.googleapis.com/base-images"]',
      /names a container the template does not have \(web\)/
    ],
    [
      'a malformed secrets annotation',
      service({ templateAnnotations: { 'run.googleapis.com/secrets': 'key:secrets/key' } }),
      'spec.template.metadata.annotations["run.googleapis.com/secrets"]',
      /ALIAS:projects\/PROJECT\/secrets\/SECRET/
    ],
    [
      'a short connector name without a deploy target',
      service({ templateAnnotations: { 'run.googleapis.com/vpc-access-connector': 'egress' } }),
      'spec.template.metadata.annotations["run.googleapis.com/vpc-access-connector"]',
      /short name; .*projects\/PROJECT\/locations\/REGION\/connectors\/NAME/
    ],
    [
      'a command that is not a list of strings',
      service({ containers: [{ image: 'x', command: '/bin/run' }] }),
      'spec.template.spec.containers[0].command',
      /^must be a list of strings$/
    ],
    [
      'a label that is not a string',
      service({ labels: { team: { name: 'a' } } }),
      'metadata.labels["team"]',
      /^must be a string$/
    ],
    [
      'custom audiences that are not strings',
      service({ annotations: { 'run.googleapis.com/custom-audiences': '[1]' } }),
      'metadata.annotations["run.googleapis.com/custom-audiences"]',
      /^must be JSON: a list of strings$/
    ],
    [
      'dependencies that are not lists',
      service({
        templateAnnotations: { 'run.googleapis.com/container-dependencies': '{"app":"db"}' }
      }),
      'spec.template.metadata.annotations["run.googleapis.com/container-dependencies"]',
      /^must be JSON: an object of container name to a list of names$/
    ],
    [
      'a value beside valueFrom',
      service({
        containers: [
          {
            image: 'x',
            env: [{ name: 'A', value: 'v', valueFrom: { secretKeyRef: { name: 's', key: '1' } } }]
          }
        ]
      }),
      'spec.template.spec.containers[0].env[0].valueFrom',
      /cannot be given together/
    ],
    [
      'a config map reference',
      service({
        containers: [
          {
            image: 'x',
            env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }]
          }
        ]
      }),
      'spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef',
      /^is not supported/
    ],
    [
      'an optional secret reference',
      service({
        containers: [
          {
            image: 'x',
            env: [
              { name: 'A', valueFrom: { secretKeyRef: { name: 's', key: '1', optional: true } } }
            ]
          }
        ]
      }),
      'spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.optional',
      /^is not supported/
    ],
    [
      'an unquoted env value',
      service({ containers: [{ image: 'x', env: [{ name: 'A', value: 42 }] }] }),
      'spec.template.spec.containers[0].env[0].value',
      /^must be a string \(quote it in the YAML\)$/
    ],
    [
      'resource requests',
      service({ containers: [{ image: 'x', resources: { requests: { cpu: '1' } } }] }),
      'spec.template.spec.containers[0].resources.requests',
      /^is not supported/
    ],
    [
      'envFrom',
      service({ containers: [{ image: 'x', envFrom: [{ secretRef: { name: 's' } }] }] }),
      'spec.template.spec.containers[0].envFrom',
      /^is not supported/
    ],
    [
      'imagePullPolicy',
      service({ containers: [{ image: 'x', imagePullPolicy: 'Always' }] }),
      'spec.template.spec.containers[0].imagePullPolicy',
      /^is not supported/
    ],
    [
      'securityContext',
      service({ containers: [{ image: 'x', securityContext: { runAsUser: 1000 } }] }),
      'spec.template.spec.containers[0].securityContext',
      /^is not supported/
    ],
    [
      'a UDP port',
      service({ containers: [{ image: 'x', ports: [{ containerPort: 53, protocol: 'UDP' }] }] }),
      'spec.template.spec.containers[0].ports[0].protocol',
      /^must be TCP/
    ],
    [
      'a named probe port',
      service({ containers: [{ image: 'x', livenessProbe: { httpGet: { port: 'http' } } }] }),
      'spec.template.spec.containers[0].livenessProbe.httpGet.port',
      /^must be a whole number$/
    ],
    [
      'an exec probe',
      service({ containers: [{ image: 'x', startupProbe: { exec: { command: ['true'] } } }] }),
      'spec.template.spec.containers[0].startupProbe.exec',
      /^is not supported/
    ],
    [
      'a probe host',
      service({ containers: [{ image: 'x', livenessProbe: { httpGet: { host: 'h' } } }] }),
      'spec.template.spec.containers[0].livenessProbe.httpGet.host',
      /^is not supported/
    ],
    [
      'a probe success threshold above 1',
      service({
        containers: [{ image: 'x', livenessProbe: { tcpSocket: {}, successThreshold: 2 } }]
      }),
      'spec.template.spec.containers[0].livenessProbe.successThreshold',
      /^must be 1$/
    ],
    [
      'a config map volume',
      service({ spec: { volumes: [{ name: 'c', configMap: { name: 'c' } }] } }),
      'spec.template.spec.volumes[0].configMap',
      /^is not supported/
    ],
    [
      'a volume named cloudsql',
      service({ spec: { volumes: [{ name: 'cloudsql', emptyDir: {} }] } }),
      'spec.template.spec.volumes[0].name',
      /^is reserved/
    ],
    [
      'another CSI driver',
      service({ spec: { volumes: [{ name: 'c', csi: { driver: 'ebs.csi.aws.com' } }] } }),
      'spec.template.spec.volumes[0].csi.driver',
      /^must be gcsfuse\.run\.googleapis\.com/
    ],
    [
      'an unknown CSI attribute',
      service({
        spec: {
          volumes: [
            {
              name: 'c',
              csi: {
                driver: 'gcsfuse.run.googleapis.com',
                volumeAttributes: { bucketName: 'b', fileMode: '0644' }
              }
            }
          ]
        }
      }),
      'spec.template.spec.volumes[0].csi.volumeAttributes["fileMode"]',
      /^is not supported/
    ],
    [
      'an unknown emptyDir medium',
      service({ spec: { volumes: [{ name: 'e', emptyDir: { medium: 'HugePages' } }] } }),
      'spec.template.spec.volumes[0].emptyDir.medium',
      /^must be Memory or Disk$/
    ],
    [
      'an optional secret volume',
      service({ spec: { volumes: [{ name: 's', secret: { secretName: 's', optional: true } }] } }),
      'spec.template.spec.volumes[0].secret.optional',
      /^is not supported/
    ],
    [
      'another node selector',
      service({ spec: { nodeSelector: { 'kubernetes.io/arch': 'arm64' } } }),
      'spec.template.spec.nodeSelector["kubernetes.io/arch"]',
      /^is not supported/
    ],
    [
      'another runtime class',
      service({ spec: { runtimeClassName: 'gvisor' } }),
      'spec.template.spec.runtimeClassName',
      /^is not supported/
    ],
    [
      'imagePullSecrets',
      service({ spec: { imagePullSecrets: [{ name: 'x' }] } }),
      'spec.template.spec.imagePullSecrets',
      /^is not supported/
    ],
    [
      'containers that are not a list',
      service({ spec: { containers: { image: 'x' } } }),
      'spec.template.spec.containers',
      /^must be a list$/
    ],
    [
      'a traffic configurationName',
      service({ traffic: [{ configurationName: 'api', percent: 100 }] }),
      'spec.traffic[0].configurationName',
      /^is not supported/
    ],
    [
      'latestRevision with revisionName',
      service({ traffic: [{ latestRevision: true, revisionName: 'r', percent: 100 }] }),
      'spec.traffic[0].latestRevision',
      /^cannot be true together with revisionName$/
    ],
    [
      'latestRevision false alone',
      service({ traffic: [{ latestRevision: false, percent: 100 }] }),
      'spec.traffic[0].latestRevision',
      /^can be false only together with revisionName$/
    ],
    [
      'generateName',
      service({ metadata: { generateName: 'api-' } }),
      'metadata.generateName',
      /^is not supported/
    ],
    ['an unknown top-level field', service({ top: { extra: 1 } }), 'extra', /^is not supported/],
    [
      'a contradiction between a job and its template',
      job({
        annotations: { 'run.googleapis.com/execution-environment': 'gen1' },
        templateAnnotations: { 'run.googleapis.com/execution-environment': 'gen2' }
      }),
      'metadata.annotations["run.googleapis.com/execution-environment"]',
      /^contradicts/
    ],
    [
      'task template metadata',
      {
        ...job(),
        spec: { template: { spec: { template: { metadata: { labels: {} }, spec: {} } } } }
      },
      'spec.template.spec.template.metadata',
      /^is not supported/
    ],
    [
      'an unknown task field',
      job({ taskSpec: { restartPolicy: 'Never' } }),
      'spec.template.spec.template.spec.restartPolicy',
      /^is not supported/
    ],
    [
      'an execution template name',
      job({ templateMetadata: { name: 'x' } }),
      'spec.template.metadata.name',
      /^is not supported/
    ]
  ])('%s', (_name, document, path, problem) => {
    const found = problemOf(document)
    expect(found).toEqual({ path, problem: expect.stringMatching(problem) })
  })

  test('a problem never repeats the value it refuses', () => {
    const found = problemOf(
      service({ containers: [{ image: 'x', env: [{ name: 'TOKEN', value: 123456789 }] }] })
    )
    expect(JSON.stringify(found)).not.toContain('123456789')
  })
})
