/**
 * The name of the revision a deploy creates. Every deploy of a service or worker pool creates one, as gcloud
 * and deploy-cloudrun do: Cloud Run makes no new revision for an identical template, and resolves a tag to a
 * digest only when it creates one (REFERENCE.md "Revisions"), so an unnamed redeploy of `:latest` would pick
 * up nothing. A name chosen here makes the revision new, lets traffic name it in the same update, and is the
 * `revision` output whatever else happens to the service meanwhile.
 */
import { randomInt } from 'node:crypto'
import type { RunResource } from './spec.js'

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'

/** Three random letters, as Cloud Run's own revision names end (`api-00003-xyz`). */
export function randomSuffix(): string {
  return Array.from({ length: 3 }, () => LETTERS[randomInt(LETTERS.length)]).join('')
}

/**
 * `<name>-<suffix>` for the suffix input (deploy-cloudrun's, gcloud's --revision-suffix); otherwise Cloud
 * Run's own form, `<name>-<NNNNN>-<xyz>` with the generation the update will create. A retry (attempt 2 on)
 * of the same deploy needs a name of its own, since the first revision exists: a generated name has one
 * anyway; a suffixed one gets `-<attempt>`.
 */
export function revisionNameFor(
  name: string,
  suffix: string | undefined,
  existing: RunResource | undefined,
  attempt: number,
  random: string
): string {
  if (suffix) return `${name}-${suffix}${attempt > 1 ? `-${attempt}` : ''}`.slice(0, 63)
  const generation = String(Number(existing?.generation ?? 0) + 1).padStart(5, '0')
  // Revision names are DNS labels of at most 63 characters (the service's name is at most 49).
  return `${name}-${generation}-${random}`.slice(0, 63)
}
