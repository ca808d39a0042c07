import {
  LATEST,
  REVISION,
  planTraffic,
  type TrafficChange,
  type TrafficTarget
} from '../../src/deploy/traffic.js'

const NEW = 'api-00009-new'
const change = (over: Partial<TrafficChange> = {}): TrafficChange => ({
  newRevision: NEW,
  tag: undefined,
  noTraffic: false,
  revisionTraffic: undefined,
  tagTraffic: undefined,
  ...over
})
const latest = (percent: number, tag?: string): TrafficTarget => ({
  type: LATEST,
  percent,
  ...(tag ? { tag } : {})
})
const rev = (revision: string, percent: number, tag?: string): TrafficTarget => ({
  type: REVISION,
  revision,
  percent,
  ...(tag ? { tag } : {})
})

test.each<[string, TrafficTarget[] | undefined, Partial<TrafficChange>, TrafficTarget[], number]>([
  ['a new service: all to LATEST', undefined, {}, [latest(100)], 100],
  [
    'nothing asked: the split stays',
    [latest(90), rev('a', 10)],
    {},
    [latest(90), rev('a', 10)],
    90
  ],
  [
    'a tag moves to the new revision at 0%; the old holder keeps its percent',
    [latest(90), rev('a', 10, 'canary')],
    { tag: 'canary' },
    [latest(90), rev('a', 10), rev(NEW, 0, 'canary')],
    90
  ],
  [
    'a 0% entry that only carried the tag goes',
    [latest(100), rev('a', 0, 'canary')],
    { tag: 'canary' },
    [latest(100), rev(NEW, 0, 'canary')],
    100
  ],
  [
    'no_traffic pins LATEST to the serving revision',
    [latest(100)],
    { noTraffic: true },
    [rev('serving', 100)],
    0
  ],
  [
    'LATEST=100 after pinned traffic',
    [rev('a', 100)],
    { revisionTraffic: [{ revision: 'LATEST', percent: 100 }] },
    [latest(100)],
    100
  ],
  [
    'a partial assignment scales the others in proportion (gcloud --to-revisions)',
    [rev('a', 40), rev('b', 60)],
    { revisionTraffic: [{ revision: 'a', percent: 45 }] },
    [rev('a', 45), rev('b', 55)],
    0
  ],
  [
    'shares are whole percents, the remainders going to the largest fractions',
    [rev('a', 50), rev('b', 25), rev('c', 25)],
    { revisionTraffic: [{ revision: 'a', percent: 1 }] },
    [rev('a', 1), rev('b', 50), rev('c', 49)],
    0
  ],
  [
    'a tag keeps its entry at 0% when its share goes',
    [rev('a', 90, 'blue'), rev('b', 10)],
    { revisionTraffic: [{ revision: 'b', percent: 100 }] },
    [rev('a', 0, 'blue'), rev('b', 100)],
    0
  ],
  [
    'tag_traffic sets the tagged revision',
    [latest(100), rev('a', 0, 'canary')],
    { tagTraffic: [{ tag: 'canary', percent: 25 }] },
    [latest(75), rev('a', 25, 'canary')],
    75
  ]
])('%s', (_name, current, over, traffic, newPercent) => {
  const plan = planTraffic(
    current,
    'projects/p/locations/l/services/api/revisions/serving',
    change(over)
  )
  expect(plan.afterReady ?? plan.traffic).toEqual(traffic)
  expect(plan.newRevisionPercent).toBe(newPercent)
})

test('percentages that name the new revision wait until it is ready', () => {
  const plan = planTraffic(
    [latest(100)],
    'serving',
    change({ tag: 'canary', tagTraffic: [{ tag: 'canary', percent: 10 }] })
  )
  expect(plan.traffic).toEqual([latest(100), rev(NEW, 0, 'canary')])
  expect(plan.afterReady).toEqual([latest(90), rev(NEW, 10, 'canary')])
  expect(plan.newRevisionPercent).toBe(100)
})

test.each<[string, TrafficTarget[], Partial<TrafficChange>, RegExp]>([
  [
    'traffic that does not add up to 100 is refused before any write',
    [latest(90)],
    {},
    /add up to 90%, not 100%/
  ],
  [
    'a share nobody can take',
    [rev('a', 100)],
    { revisionTraffic: [{ revision: 'a', percent: 50 }] },
    /remaining 50%/
  ],
  ['an unknown tag', [latest(100)], { tagTraffic: [{ tag: 'nope', percent: 5 }] }, /the tag nope/],
  ['no_traffic with nothing serving', [latest(100)], { noTraffic: true }, /no serving revision/]
])('%s', (_name, current, over, message) => {
  expect(() => planTraffic(current, over.noTraffic ? undefined : 'serving', change(over))).toThrow(
    message
  )
})
