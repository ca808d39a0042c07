import { InputError } from '../../src/errors.js'
import { API_NAMES, resolveEndpoints } from '../../src/endpoints.js'

test('every API defaults to https://<api>.<universe>/', () => {
  const endpoints = resolveEndpoints('example-universe.net', {})
  expect(Object.keys(endpoints).sort()).toEqual([...API_NAMES].sort())
  expect(endpoints.RUN).toBe('https://run.example-universe.net/')
  expect(endpoints.POLICYTROUBLESHOOTER).toBe('https://policytroubleshooter.example-universe.net/')
})

test.each([
  ['http://127.0.0.1:8085', 'http://127.0.0.1:8085/'],
  ['http://localhost:9000/', 'http://localhost:9000/'],
  ['http://[::1]:9000/', 'http://[::1]:9000/'],
  ['http://127.1.2.3/base', 'http://127.1.2.3/base/'],
  ['https://run.internal.example.com/', 'https://run.internal.example.com/']
])('override %s is used as %s', (value, root) => {
  expect(
    resolveEndpoints('googleapis.com', { CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN: value }).RUN
  ).toBe(root)
})

test.each([
  'http://run.example.com/',
  'http://10.0.0.1/',
  'ftp://127.0.0.1/',
  'not a url',
  'https://user:pass@run.example.com/',
  'https://run.example.com/?x=1'
])('override %s is refused, naming the variable', value => {
  let error: unknown
  try {
    resolveEndpoints('googleapis.com', { CLOUDSDK_API_ENDPOINT_OVERRIDES_STS: value })
  } catch (thrown) {
    error = thrown
  }
  expect(error).toBeInstanceOf(InputError)
  expect(error).toMatchObject({ input: 'CLOUDSDK_API_ENDPOINT_OVERRIDES_STS', value })
  expect((error as Error).message).toContain('http:// only for loopback hosts')
})
