import type { RegionResult } from '../../src/deploy/index.js'
import type { Finding } from '../../src/findings.js'
import { settleFindings } from '../../src/report/evidence.js'

const REPO = 'projects/b/locations/l/repositories/r'
const AGENT = 'serviceAccount:service-1@serverless-robot-prod.iam.gserviceaccount.com'
const agent = (status: Finding['status'], source: Finding['source'] = 'check'): Finding => ({
  check: 'service-agent',
  kind: 'permission',
  principal: AGENT,
  permission: 'artifactregistry.repositories.downloadArtifacts',
  resource: REPO,
  status,
  source,
  detail: `${status} answer`
})
const region = (over: Partial<RegionResult>): RegionResult => ({
  region: 'r',
  resourceName: 'projects/a/locations/r/services/s',
  status: 'deployed',
  durationMs: 1,
  findings: [],
  pulled: true,
  notes: [],
  ...over
})

test('a revision that became ready proves the unknown answer ok, with its history', () => {
  const settled = settleFindings([agent('unknown')], [region({})], 'unknown')
  expect(settled.serviceAgentAccess).toBe('ok')
  expect(settled.findings).toEqual([
    expect.objectContaining({ status: 'ok', history: 'unknown before the deploy, proven by it' })
  ])
})

test("the seed's failure proves it missing: one finding, not two", () => {
  const failed = region({
    status: 'failed',
    pulled: false,
    findings: [agent('missing', 'deploy')]
  })
  const settled = settleFindings(
    [agent('unknown')],
    [failed, { ...failed, region: 'r2' }],
    'unknown'
  )
  expect(settled.serviceAgentAccess).toBe('missing')
  expect(settled.findings).toHaveLength(1)
  expect(settled.findings[0]).toMatchObject({
    status: 'missing',
    source: 'deploy',
    history: "unknown before the deploy; the deploy's pull was refused"
  })
})

test('without a pull (wait: false, or a failure before it) nothing is proven', () => {
  const settled = settleFindings([agent('unknown')], [region({ pulled: false })], 'unknown')
  expect(settled).toEqual({ findings: [agent('unknown')], serviceAgentAccess: 'unknown' })
})

test('a refused pull the checks skipped is reported as found', () => {
  const failed = region({ status: 'failed', pulled: false, findings: [agent('missing', 'deploy')] })
  const settled = settleFindings([], [failed], 'skipped')
  expect(settled.findings).toEqual([agent('missing', 'deploy')])
  expect(settled.serviceAgentAccess).toBe('missing')
})
