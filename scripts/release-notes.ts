/**
 * `tsx scripts/release-notes.ts VERSION [CHANGELOG]`: prints the body of CHANGELOG.md's section for
 * VERSION (`0.3.1` or `v0.3.1`), the notes of that version's GitHub release
 * (.github/workflows/release.yml). Exits 1 when the section is missing or empty, so that a release
 * never goes out with notes written by hand or none at all.
 *
 * The changelog follows Keep a Changelog 1.1.0 (https://keepachangelog.com/en/1.1.0/): one
 * `## [VERSION] - YYYY-MM-DD` heading per release, and link reference definitions at the bottom that
 * turn each heading into a link (`[0.3.1]: https://github.com/.../compare/v0.3.0...v0.3.1`).
 */
import { readFileSync, realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

export class ReleaseNotesError extends Error {
  override readonly name = 'ReleaseNotesError'
}

const SEMVER = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/

/** The heading's version (`0.3.1`, `Unreleased`), or undefined for a line that is no release heading. */
function headingVersion(line: string): string | undefined {
  return /^## \[([^\]]+)\]/.exec(line)?.[1]
}

/** A link reference definition of a release heading: `[0.3.1]: URL` or `[unreleased]: URL`. */
function isHeadingLink(line: string): boolean {
  const label = /^\[([^\]]+)\]:\s*\S+/.exec(line)?.[1]
  return label !== undefined && (label.toLowerCase() === 'unreleased' || SEMVER.test(label))
}

/**
 * The notes of `version` in `changelog`: the lines between its `## [VERSION]` heading and the next `## `
 * heading, without the headings' own link definitions (the last section runs into them), trimmed.
 */
export function releaseNotes(changelog: string, version: string): string {
  const wanted = SEMVER.exec(version.trim())?.[1]
  if (!wanted) {
    throw new ReleaseNotesError(
      `"${version}" is not a version: expected MAJOR.MINOR.PATCH, e.g. 0.3.1`
    )
  }
  const lines = changelog.split(/\r?\n/)
  const start = lines.findIndex(line => headingVersion(line) === wanted)
  if (start < 0) {
    const known = lines.map(headingVersion).filter(v => v !== undefined)
    throw new ReleaseNotesError(
      `CHANGELOG.md has no "## [${wanted}]" section (sections: ${known.join(', ') || 'none'}). ` +
        `Rename "## [Unreleased]" to "## [${wanted}] - YYYY-MM-DD" and add a new empty Unreleased section.`
    )
  }
  const rest = lines.slice(start + 1)
  const end = rest.findIndex(line => line.startsWith('## '))
  const body = (end < 0 ? rest : rest.slice(0, end))
    .filter(line => !isHeadingLink(line))
    .join('\n')
    .trim()
  if (body === '') {
    throw new ReleaseNotesError(`CHANGELOG.md's "## [${wanted}]" section is empty.`)
  }
  return body
}

function main(): void {
  const [version, file = 'CHANGELOG.md'] = process.argv.slice(2)
  if (!version) {
    console.error('usage: tsx scripts/release-notes.ts VERSION [CHANGELOG.md]')
    process.exit(2)
  }
  try {
    console.log(releaseNotes(readFileSync(file, 'utf8'), version))
  } catch (error) {
    if (!(error instanceof ReleaseNotesError)) throw error
    console.error(`release-notes: ${error.message}`)
    process.exit(1)
  }
}

// Run only as a script, not when a test imports releaseNotes.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) main()
