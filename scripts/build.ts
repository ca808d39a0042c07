/**
 * npm run build: ncc bundles src/index.ts into dist/, built aside and then swapped in, so that dist/ holds
 * exactly one build's files (ncc leaves a previous build's chunks behind) and a failed build leaves the
 * last good one in place. Bundle-only replacements come from tsconfig.json's `paths`
 * (src/bundle-shims/README.md).
 *
 * `--if-changed` (npm test, npm run demo, npm run bench) skips the build when dist/sources.sha256 matches a
 * hash of everything the bundle is built from: a fresh clone tests the committed dist/ at once, and an
 * edit of src/ rebuilds it. Line endings are normalised first, so a Windows checkout hashes the same.
 *
 * ncc's --minify minifies index.js only; the lazily loaded chunks (src/google/apis.ts) are minified here
 * with esbuild, which keeps their ESM exports as they are. ncc's --license lists only the packages of the
 * lazily loaded chunks when it writes ESM; licenses.txt is written here from the bundle's module list.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { transformSync } from 'esbuild'
import { PROJECT_ROOT } from '../__tests__/harness/runAction.js'

const staging = join(PROJECT_ROOT, '.build')
const dist = join(PROJECT_ROOT, 'dist')
const ncc = join(PROJECT_ROOT, 'node_modules', '.bin', 'ncc')

const stats = join(PROJECT_ROOT, '.build-stats.json')
const hashFile = 'sources.sha256'

/** What the bundle is built from: the sources, the locked dependencies and the build's own settings. */
function sourcesHash(): string {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
      entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]
    )
  const inputs = [
    ...files(join(PROJECT_ROOT, 'src')),
    ...['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.ts'].map(f =>
      join(PROJECT_ROOT, f)
    )
  ]
  const hash = createHash('sha256')
  for (const file of inputs.map(f => relative(PROJECT_ROOT, f).replaceAll('\\', '/')).sort()) {
    hash.update(
      `${file}\0${readFileSync(join(PROJECT_ROOT, file), 'utf8').replace(/\r\n/g, '\n')}\0`
    )
  }
  return `${hash.digest('hex')}\n`
}

const hash = sourcesHash()
const builtFrom = join(dist, hashFile)
if (process.argv.includes('--if-changed') && existsSync(builtFrom)) {
  if (readFileSync(builtFrom, 'utf8') === hash) {
    console.log('dist/ is up to date with the sources; not rebuilt.')
    process.exit(0)
  }
}

rmSync(staging, { recursive: true, force: true })
const args = ['build', 'src/index.ts', '-o', staging, '--minify', '--stats-out', stats]
const result = spawnSync(ncc, [...args, '--target', 'es2022'], {
  cwd: PROJECT_ROOT,
  stdio: 'inherit'
})
if (result.status !== 0) {
  rmSync(staging, { recursive: true, force: true })
  process.exit(result.status ?? 1)
}

for (const name of readdirSync(staging)) {
  if (!name.endsWith('.js') || name === 'index.js') continue
  const path = join(staging, name)
  const { code } = transformSync(readFileSync(path, 'utf8'), {
    minify: true,
    target: 'es2022',
    format: 'esm',
    legalComments: 'none'
  })
  writeFileSync(path, code)
}

writeFileSync(join(staging, 'licenses.txt'), licenses(stats))
writeFileSync(join(staging, hashFile), hash)
rmSync(stats, { force: true })
rmSync(dist, { recursive: true, force: true })
renameSync(staging, dist)

interface StatsModule {
  readonly name?: string
  readonly modules?: readonly StatsModule[]
}

/** Every bundled package's name, version, licence and licence text, sorted by name. */
function licenses(statsFile: string): string {
  const { modules = [] } = JSON.parse(readFileSync(statsFile, 'utf8')) as {
    modules?: StatsModule[]
  }
  const names = (m: StatsModule): string[] => [m.name ?? '', ...(m.modules ?? []).flatMap(names)]
  const roots = new Set<string>()
  for (const name of modules.flatMap(names)) {
    // The innermost node_modules/<package> (or <@scope/package>) of the module's path.
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(name.replace(/^\.\//, ''))
    if (match?.[1]) roots.add(match[1])
  }
  const entries = [...roots].map(root => {
    const dir = join(PROJECT_ROOT, root)
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string
      version: string
      license?: string
    }
    const file = readdirSync(dir).find(f => /^(licen[cs]e|copying)(\.|$)/i.test(f))
    const text = file && existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : ''
    return { id: `${pkg.name}@${pkg.version}`, license: pkg.license ?? 'UNKNOWN', text }
  })
  return entries
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(e => `${e.id}\n${e.license}\n${e.text.trim()}\n`)
    .join('\n')
}
