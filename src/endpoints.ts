import { InputError } from './errors.js'

/** The Google APIs this action calls, by the suffix of gcloud's CLOUDSDK_API_ENDPOINT_OVERRIDES_<API>. */
export const API_NAMES = [
  'RUN',
  'ARTIFACTREGISTRY',
  'CLOUDRESOURCEMANAGER',
  'IAM',
  'IAMCREDENTIALS',
  'STS',
  'POLICYTROUBLESHOOTER',
  'LOGGING'
] as const
export type ApiName = (typeof API_NAMES)[number]

/** Root URLs ending in '/', one per API, e.g. `https://run.googleapis.com/`. */
export type Endpoints = Readonly<Record<ApiName, string>>

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

const UNIVERSE_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/

/**
 * Each API's root: `https://<api>.<universe>/` unless gcloud's override variable names another.
 * Plain http is accepted only for loopback hosts, so a token is never sent in clear over a network.
 */
export function resolveEndpoints(universe: string, env: NodeJS.ProcessEnv): Endpoints {
  if (!UNIVERSE_PATTERN.test(universe)) {
    throw new InputError('universe', universe, 'a domain such as googleapis.com')
  }
  const entries = API_NAMES.map(api => {
    const variable = `CLOUDSDK_API_ENDPOINT_OVERRIDES_${api}`
    const override = env[variable]
    const root = override
      ? checkedOverride(variable, override)
      : `https://${api.toLowerCase()}.${universe}/`
    return [api, root] as const
  })
  return Object.fromEntries(entries) as Record<ApiName, string>
}

function checkedOverride(variable: string, value: string): string {
  const expected =
    'an https:// root URL such as https://run.example.com/ (http:// only for loopback hosts)'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError(variable, value, expected)
  }
  const secure = url.protocol === 'https:'
  const loopbackHttp = url.protocol === 'http:' && isLoopbackHost(url.hostname)
  if (!(secure || loopbackHttp) || url.search || url.hash || url.username || url.password) {
    throw new InputError(variable, value, expected)
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`
}
