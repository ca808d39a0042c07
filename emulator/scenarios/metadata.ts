/**
 * A self-hosted runner on a Compute Engine VM (or a GKE node): no credentials file, so google-auth-library
 * asks the metadata server, which hands out tokens of the VM's service account with whatever lifetime
 * its cache has left (emulator/metadata.ts).
 */
import type { Scenario } from '../core.js'
import { variant } from './helpers.js'
import { DEPLOYER_EMAIL, seedGranted } from './seed.js'

export const metadata: Scenario = variant(
  seedGranted,
  'metadata',
  'A runner on a VM that runs as the deployer: credentials come from the metadata server, in tokens of 5 minutes; the service agent may read myrepo.',
  s => ({ ...s, metadataServiceAccount: DEPLOYER_EMAIL })
)
