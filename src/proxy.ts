/**
 * Proxies. Every request goes through Node's own HTTP stack (fetch, and node:http for the token
 * requests), which honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY only when Node starts with
 * NODE_USE_ENV_PROXY=1 (Node ≥ 24.5). A self-hosted runner behind a proxy sets the variables but not that
 * switch, so the action starts itself again with it: one extra Node start, paid only behind a proxy.
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:os'

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM'] as const

export function needsProxyRelaunch(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_USE_ENV_PROXY !== '1' && PROXY_VARIABLES.some(name => Boolean(env[name]))
}

/**
 * Runs this same script again with NODE_USE_ENV_PROXY=1, sharing stdio (workflow commands pass straight
 * through) and passing on the runner's cancellation signals; resolves to its exit code, or to undefined
 * when no relaunch is needed or it could not start (the run then goes on here, without the proxy).
 */
export function relaunchBehindProxy(
  env: NodeJS.ProcessEnv = process.env
): Promise<number | undefined> {
  if (!needsProxyRelaunch(env)) return Promise.resolve(undefined)
  return new Promise(resolve => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...env, NODE_USE_ENV_PROXY: '1' }
    })
    const forward = (signal: NodeJS.Signals) => child.kill(signal)
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward)
    child.on('error', () => resolve(undefined))
    child.on('exit', (code, signal) => {
      for (const name of FORWARDED_SIGNALS) process.off(name, forward)
      // A child ended by a signal exits as a shell reports it: 128 + the signal's number.
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0))
    })
  })
}
