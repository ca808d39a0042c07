import { randomSuffix, revisionNameFor } from '../../src/deploy/revision.js'

test.each<[string, string | undefined, string | undefined, number, string]>([
  ['a new service: generation 1', undefined, undefined, 1, 'api-00001-xyz'],
  ['the generation the update creates', undefined, '41', 1, 'api-00042-xyz'],
  ['a retry has a new generation and letters of its own', undefined, '42', 2, 'api-00043-xyz'],
  ['the suffix input names it', 'v2', '41', 1, 'api-v2'],
  ['a retry of a suffixed revision needs a name of its own', 'v2', '42', 2, 'api-v2-2']
])('%s', (_name, suffix, generation, attempt, expected) => {
  expect(
    revisionNameFor('api', suffix, generation ? { generation } : undefined, attempt, 'xyz')
  ).toBe(expected)
})

test('names stay DNS labels of at most 63 characters', () => {
  const name = `a${'b'.repeat(48)}`
  expect(revisionNameFor(name, undefined, { generation: '99999' }, 1, 'xyz')).toHaveLength(60)
  expect(revisionNameFor(name, 'x'.repeat(13), undefined, 1, 'xyz').length).toBeLessThanOrEqual(63)
})

test('the letters are three lower-case letters, as Cloud Run ends its own names', () => {
  for (let i = 0; i < 50; i++) expect(randomSuffix()).toMatch(/^[a-z]{3}$/)
})
