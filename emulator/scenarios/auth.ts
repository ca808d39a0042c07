/**
 * Variants for the authentication tests: credentials whose tokens expire during a run, and a service
 * account whose key (or user credentials) may impersonate the deployer.
 */
import type { Scenario } from '../core.js'
import { serviceAccount, variant, withBinding } from './helpers.js'
import { DEPLOYER_EMAIL, seedGranted, TARGET_PROJECT } from './seed.js'

/** A service account outside the deploy, whose key impersonates the deployer (impersonated_service_account). */
export const KEY_HOLDER_EMAIL = `ci-key@${TARGET_PROJECT}.iam.gserviceaccount.com`

export const authShortSts: Scenario = variant(
  seedGranted,
  'auth-short-sts',
  'seed-granted, with federated tokens from STS that live 5 minutes: a deploy that waits longer needs a second one.',
  s => ({ ...s, stsTokenLifetimeSeconds: 300 })
)

export const authKeyHolder: Scenario = variant(
  seedGranted,
  'auth-key-holder',
  'seed-granted, with ci-key@ (a service account with a key) allowed to mint tokens for the deployer.',
  s => ({ ...s, serviceAccounts: [...(s.serviceAccounts ?? []), { email: KEY_HOLDER_EMAIL }] }),
  s =>
    withBinding(
      s,
      `projects/${TARGET_PROJECT}/serviceAccounts/${DEPLOYER_EMAIL}`,
      'roles/iam.serviceAccountTokenCreator',
      serviceAccount(KEY_HOLDER_EMAIL)
    )
)
