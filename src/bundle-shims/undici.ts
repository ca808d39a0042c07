/**
 * @actions/github imports undici's fetch (a second copy of undici, beside Node's own) for the default
 * `request.fetch` of its octokit, routed through @actions/http-client's proxy dispatcher. src/github.ts
 * replaces that default with Node's fetch, which is undici too and honours HTTPS_PROXY, HTTP_PROXY and
 * NO_PROXY under NODE_USE_ENV_PROXY=1 (src/proxy.ts); this covers the default it never uses.
 */
export const fetch = globalThis.fetch
