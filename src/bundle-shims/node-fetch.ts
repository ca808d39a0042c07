/**
 * gaxios loads node-fetch (with a web-streams polyfill: 290 kB) on Node unless a request carries a
 * fetchImplementation. Every transport the action creates carries Node's fetch (src/google/transport.ts);
 * this covers the clients google-auth-library creates internally, which then use Node's fetch too.
 */
export default globalThis.fetch
