/** Every named scenario; `startEmulator('seed')` and `npm run emulator -- --scenario seed` look here. */
import type { Scenario } from '../core.js'
import { authKeyHolder, authShortSts } from './auth.js'
import { policyFull } from './limits.js'
import { metadata } from './metadata.js'
import { registries } from './registries.js'
import { remote, remoteGranted, remoteVirtual, remoteVirtualGranted } from './remote.js'
import {
  admin,
  demo,
  sameProject,
  seed,
  seedGranted,
  virtualUpstream,
  virtualUpstreamGranted,
  visible
} from './seed.js'

export const SCENARIOS: Readonly<Record<string, Scenario>> = Object.fromEntries(
  [
    seed,
    seedGranted,
    sameProject,
    admin,
    visible,
    demo,
    virtualUpstream,
    virtualUpstreamGranted,
    registries,
    remote,
    remoteGranted,
    remoteVirtual,
    remoteVirtualGranted,
    metadata,
    policyFull,
    authShortSts,
    authKeyHolder
  ].map(scenario => [scenario.name, scenario])
)

export function getScenario(name: string): Scenario {
  const scenario = SCENARIOS[name]
  if (!scenario) {
    throw new Error(`Unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`)
  }
  return structuredClone(scenario)
}
