/**
 * The example reports in docs/examples/ are what the action shows today: each is rendered again from a
 * real run (scripts/examples.ts, the same code `npm run render-examples` writes them with) and must equal
 * the committed file. Issue 10: "Examples of every outcome ... A test renders them again and fails when
 * they drift." The six runs are independent (an emulator each) and run side by side.
 */
import { existsSync, readFileSync } from 'node:fs'
import { EXAMPLES, examplePath, normalise, renderExample } from '../../scripts/examples.js'

test.concurrent.each(EXAMPLES.map(example => [example.file, example] as const))(
  'docs/examples/%s is what the action renders',
  async (_file, example) => {
    const path = examplePath(example)
    expect(existsSync(path)).toBe(true)
    const rendered = await renderExample(example)
    // A difference means the action's report changed: run `npm run render-examples` and review it.
    expect(rendered).toBe(readFileSync(path, 'utf8'))
  }
)

test('the placeholders hide what changes between runs, and nothing else', () => {
  // The normalisation must not be what makes the comparison pass: it replaces only run-specific values.
  expect(
    normalise(
      [
        '| `asia-northeast1` | ✅ deployed | https://hello-111111111111.asia-northeast1.run.app | `hello-00001-qzk` | new revision 100%; 100% latest | 1.2 s |',
        'Policy etag `SkV0WzfIZwE=` → `5+X87qiAYcw=`. (policy etag `SkV0WzfIZwE=`)',
        '2026-12-02T18:32:20.721001Z DEFAULT Starting;query=timestamp%3E%3D%222026-12-02T18%3A32%3A20.221Z%22',
        'revision_name%3D%22hello-00001-fdq%22 http://127.0.0.1:41235/v1 ya29.emu-at-Orndwh3vB4Zc',
        'sha256:2556d0b2e048bd81474f89879c02a6b86a0e34f47feb0d40ec22d083d459a298 myproject-a 111111111111'
      ].join('\n')
    )
  ).toBe(
    [
      '| `asia-northeast1` | ✅ deployed | https://hello-111111111111.asia-northeast1.run.app | `hello-00001-xxx` | new revision 100%; 100% latest | N s |',
      'Policy etag `ETAG1` → `ETAG2`. (policy etag `ETAG1`)',
      'TIMESTAMP DEFAULT Starting;query=timestamp%3E%3D%22TIMESTAMP%22',
      'revision_name%3D%22hello-00001-xxx%22 http://127.0.0.1:PORT/v1 TOKEN',
      'sha256:2556d0b2e048bd81474f89879c02a6b86a0e34f47feb0d40ec22d083d459a298 myproject-a 111111111111'
    ].join('\n')
  )
})
