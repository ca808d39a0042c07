/**
 * gaxios attaches an https-proxy-agent `agent` when HTTPS_PROXY is set; Node's fetch (the only fetch in
 * the bundle, see node-fetch.ts) ignores `agent` and proxies by itself under NODE_USE_ENV_PROXY=1, which
 * src/proxy.ts arranges. A plain agent keeps gaxios' code path intact without the 45 kB it would load.
 */
import { Agent } from 'node:https'

export class HttpsProxyAgent extends Agent {
  constructor(_proxy: string | URL, options?: ConstructorParameters<typeof Agent>[0]) {
    super(options)
  }
}
