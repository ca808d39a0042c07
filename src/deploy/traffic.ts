/**
 * A service's traffic after a deploy, pure, as gcloud settles it (REFERENCE.md "Traffic"):
 * - every entry keeps its percentage unless an input moves it; the total stays 100 and tags stay unique;
 * - `tag` moves the tag to the new revision, at 0% (gcloud run deploy --tag);
 * - `no_traffic` pins what LATEST served to the revision that serves it now, so the new one gets none
 *   (gcloud run deploy --no-traffic);
 * - revision_traffic / tag_traffic set percentages as gcloud run services update-traffic --to-revisions /
 *   --to-tags does: the named ones get theirs, and the revisions that served before share the rest in
 *   proportion to what they had.
 * Percentages that name the new revision (by name, or by the tag just moved to it) wait until it is ready:
 * they come back as `afterReady`, a second update, so a failed deploy never leaves traffic on a revision
 * that cannot serve.
 */
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import type { TagAssignment, TrafficAssignment } from '../config.js'
import { ActionError } from '../errors.js'

export type TrafficTarget = run_v2.Schema$GoogleCloudRunV2TrafficTarget

export const LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST'
export const REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION'

export interface TrafficChange {
  /** Short name of the revision this deploy creates. */
  readonly newRevision: string
  readonly tag: string | undefined
  readonly noTraffic: boolean
  readonly revisionTraffic: readonly TrafficAssignment[] | undefined
  readonly tagTraffic: readonly TagAssignment[] | undefined
}

export interface TrafficPlan {
  /** Sent with the deploy. */
  readonly traffic: TrafficTarget[]
  /** Sent once the new revision is ready; undefined when nothing waits for it. */
  readonly afterReady: TrafficTarget[] | undefined
  /** The new revision's share once everything is applied (LATEST counts as the new revision's). */
  readonly newRevisionPercent: number
}

const shortName = (name: string | null | undefined) => name?.split('/').pop() ?? ''

/**
 * One entry in one spelling: a LATEST entry, or a REVISION entry naming a revision by its short name.
 * Fields keep their order, so an entry nothing changes goes back exactly as it came.
 */
function normalize(target: TrafficTarget): TrafficTarget {
  const latest = target.type === LATEST || (!target.type && !target.revision)
  if (latest) {
    const { revision: _none, ...rest } = target
    return { ...rest, type: LATEST, percent: target.percent ?? 0 }
  }
  return {
    ...target,
    type: REVISION,
    revision: shortName(target.revision),
    percent: target.percent ?? 0
  }
}

const total = (traffic: readonly TrafficTarget[]) =>
  traffic.reduce((sum, t) => sum + (t.percent ?? 0), 0)

/** Untagged 0% entries route nothing and name nothing: gcloud drops them too. */
const pruned = (traffic: readonly TrafficTarget[]) =>
  traffic.filter(t => (t.percent ?? 0) > 0 || t.tag)

/**
 * Sets each assignment's percent and shares the rest among the entries that served before, in
 * proportion to their share (largest remainders first), as gcloud's --to-revisions / --to-tags does.
 */
function assign(
  traffic: TrafficTarget[],
  assignments: readonly {
    readonly matches: (t: TrafficTarget) => boolean
    readonly percent: number
    readonly label: string
    readonly entry?: () => TrafficTarget
  }[],
  input: string
): TrafficTarget[] {
  const result = traffic.map(t => ({ ...t }))
  const assigned = new Set<TrafficTarget>()
  for (const a of assignments) {
    let found = result.filter(a.matches)
    if (!found.length) {
      const made = a.entry?.()
      if (!made) {
        throw new ActionError(`Input ${input}: ${a.label} is not in the service's traffic.`)
      }
      result.push(made)
      found = [made]
    }
    // The first match takes the share; other entries for the same revision (a tagged 0% one) keep 0%.
    found.forEach((t, i) => {
      t.percent = i === 0 ? a.percent : 0
      assigned.add(t)
    })
  }
  const given = [...assigned].reduce((sum, t) => sum + (t.percent ?? 0), 0)
  const others = result.filter(t => !assigned.has(t) && (t.percent ?? 0) > 0)
  const rest = 100 - given
  const before = total(others)
  if (rest > 0 && before === 0) {
    throw new ActionError(
      `Input ${input}: the percentages add up to ${given}, and no other revision serves traffic to take ` +
        `the remaining ${rest}%. Assign all 100%.`
    )
  }
  // Largest-remainder shares of `rest`, in proportion to what each served.
  const exact = others.map(t => ((t.percent ?? 0) * rest) / (before || 1))
  const floors = exact.map(Math.floor)
  let left = rest - floors.reduce((a, b) => a + b, 0)
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0])
  for (const [, i] of order) {
    if (left <= 0) break
    floors[i] = (floors[i] ?? 0) + 1
    left--
  }
  others.forEach((t, i) => (t.percent = floors[i] ?? 0))
  return pruned(result)
}

function checkTotal(traffic: readonly TrafficTarget[], what: string): void {
  const sum = total(traffic)
  if (sum !== 100) {
    throw new ActionError(
      `The service's traffic would add up to ${sum}%, not 100% (${what}); nothing was changed.`
    )
  }
  const tags = traffic.map(t => t.tag).filter(Boolean)
  const repeated = tags.find((t, i) => tags.indexOf(t) !== i)
  if (repeated) {
    throw new ActionError(
      `The service's traffic would carry the tag ${repeated} twice (${what}); nothing was changed.`
    )
  }
}

/**
 * The traffic to send with the deploy and, when something must wait for the new revision, the traffic
 * to send after it. `current` is the live service's traffic (or the metadata file's, or none for a new
 * service); `serving` the revision that serves now (live.latestReadyRevision).
 */
export function planTraffic(
  current: readonly TrafficTarget[] | null | undefined,
  serving: string | null | undefined,
  change: TrafficChange
): TrafficPlan {
  let traffic = (current?.length ? current : [{ type: LATEST, percent: 100 }]).map(normalize)
  const isNew = (t: TrafficTarget) => t.type === REVISION && t.revision === change.newRevision

  if (change.noTraffic) {
    if (!serving) {
      throw new ActionError(
        'Input no_traffic: the service has no serving revision to keep traffic on (a new service, or none ' +
          'ready); deploy it once without no_traffic.'
      )
    }
    traffic = traffic.map(t =>
      t.type === LATEST ? { ...t, type: REVISION, revision: shortName(serving) } : t
    )
  }
  if (change.tag) {
    // The entry that carried the tag keeps its percent, untagged; one that existed only for it goes.
    traffic = traffic.flatMap(t => {
      if (t.tag !== change.tag) return [t]
      const { tag: _moved, ...untagged } = t
      return (untagged.percent ?? 0) > 0 ? [untagged] : []
    })
    traffic.push({ type: REVISION, revision: change.newRevision, tag: change.tag, percent: 0 })
  }
  checkTotal(traffic, 'before revision_traffic and tag_traffic')

  let after: TrafficTarget[] | undefined
  if (change.revisionTraffic) {
    const assignments = change.revisionTraffic.map(a => ({
      matches: (t: TrafficTarget) =>
        a.revision === 'LATEST'
          ? t.type === LATEST
          : t.type === REVISION && t.revision === a.revision,
      percent: a.percent,
      label: a.revision,
      entry: (): TrafficTarget =>
        a.revision === 'LATEST'
          ? { type: LATEST, percent: 0 }
          : { type: REVISION, revision: a.revision, percent: 0 }
    }))
    after = assign(traffic, assignments, 'revision_traffic')
  }
  if (change.tagTraffic) {
    const assignments = change.tagTraffic.map(a => ({
      matches: (t: TrafficTarget) => t.tag === a.tag,
      percent: a.percent,
      label: `the tag ${a.tag}`
    }))
    after = assign(traffic, assignments, 'tag_traffic')
  }
  if (after) checkTotal(after, 'revision_traffic or tag_traffic')

  // What names the new revision waits for it to be ready; the rest goes with the deploy.
  const waits = after?.some(t => isNew(t) && (t.percent ?? 0) > 0) ?? false
  const final = after ?? traffic
  const newRevisionPercent = final
    .filter(t => t.type === LATEST || isNew(t))
    .reduce((sum, t) => sum + (t.percent ?? 0), 0)
  return {
    traffic: waits ? traffic : final,
    afterReady: waits ? final : undefined,
    newRevisionPercent
  }
}
