import { withBinding } from '../../src/iam/binding.js'

const AGENT = 'serviceAccount:service-1@serverless-robot-prod.iam.gserviceaccount.com'
const READER = 'roles/artifactregistry.reader'

const policy = {
  version: 3,
  etag: 'BwX1',
  auditConfigs: [{ service: 'allServices', auditLogConfigs: [{ logType: 'DATA_READ' }] }],
  bindings: [
    { role: 'roles/artifactregistry.writer', members: ['user:a@example.com'] },
    {
      role: READER,
      members: ['group:g@example.com'],
      condition: { title: 't', expression: 'request.time < timestamp("2030-01-01T00:00:00Z")' }
    }
  ]
}

test('adds one binding and keeps every other binding, condition, audit config, etag and version', () => {
  const before = JSON.stringify(policy)
  const updated = withBinding(policy, READER, AGENT)
  expect(JSON.stringify(policy)).toBe(before)
  expect(updated).toEqual({
    ...policy,
    bindings: [...policy.bindings, { role: READER, members: [AGENT] }]
  })
})

test('joins an existing unconditional binding of the role', () => {
  const p = { bindings: [{ role: READER, members: ['user:x@example.com'] }] }
  expect(withBinding(p, READER, AGENT)?.bindings).toEqual([
    { role: READER, members: ['user:x@example.com', AGENT] }
  ])
})

test('nothing to write when the member already holds the role unconditionally', () => {
  expect(
    withBinding({ bindings: [{ role: READER, members: [AGENT] }] }, READER, AGENT)
  ).toBeUndefined()
})

test('a conditional binding of the member does not count as present', () => {
  const p = { bindings: [{ role: READER, members: [AGENT], condition: { expression: 'false' } }] }
  expect(withBinding(p, READER, AGENT)?.bindings).toHaveLength(2)
})
