import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../harness/runAction.js'
import { releaseNotes, ReleaseNotesError } from '../../scripts/release-notes.js'

const REPO = 'https://github.com/cloud-run-deploy-action/cloud-run-deploy-action'

/** A Keep a Changelog 1.1.0 file: Unreleased, two releases, an empty one, heading links at the bottom. */
const CHANGELOG = `# Changelog

Notable changes, newest first.

## [Unreleased]

### Added

- Something not released yet.

## [0.2.0] - 2026-12-20

### Added

- Worker pools in several regions ([#12]).

### Fixed

- A retry that resent a PATCH.

## [0.1.1] - 2026-12-10

## [0.1.0] - 2026-11-29

### Added

- The first release.

[#12]: ${REPO}/pull/12
[unreleased]: ${REPO}/compare/v0.2.0...HEAD
[0.2.0]: ${REPO}/compare/v0.1.1...v0.2.0
[0.1.1]: ${REPO}/compare/v0.1.0...v0.1.1
[0.1.0]: ${REPO}/releases/tag/v0.1.0
`

test.each([
  [
    'a middle section, up to the next heading',
    '0.2.0',
    '### Added\n\n- Worker pools in several regions ([#12]).\n\n### Fixed\n\n- A retry that resent a PATCH.'
  ],
  ['the tag spelling', 'v0.2.0', '### Added\n\n- Worker pools in several regions ([#12]).'],
  [
    "the last section: the headings' link definitions stay out, other link definitions stay in",
    '0.1.0',
    `### Added\n\n- The first release.\n\n[#12]: ${REPO}/pull/12`
  ]
])('%s (%s)', (_, version, expected) => {
  expect(releaseNotes(CHANGELOG, version)).toContain(expected)
})

test('a section ends at the next release heading', () => {
  expect(releaseNotes(CHANGELOG, '0.2.0')).not.toContain('first release')
})

test('Windows line endings read the same', () => {
  expect(releaseNotes(CHANGELOG.replaceAll('\n', '\r\n'), '0.2.0')).toBe(
    releaseNotes(CHANGELOG, '0.2.0')
  )
})

test.each([
  [
    'a version without a section',
    '0.3.0',
    'no "## [0.3.0]" section (sections: Unreleased, 0.2.0, 0.1.1, 0.1.0)'
  ],
  ['an empty section', '0.1.1', '"## [0.1.1]" section is empty'],
  ['not a version', 'latest', '"latest" is not a version'],
  ['a prefix of a version is not that version', '0.2', '"0.2" is not a version']
])('%s (%s) fails, saying why', (_, version, message) => {
  expect(() => releaseNotes(CHANGELOG, version)).toThrow(ReleaseNotesError)
  expect(() => releaseNotes(CHANGELOG, version)).toThrow(message)
})

test("the project's CHANGELOG.md has notes for package.json's version", () => {
  const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    version: string
  }
  const notes = releaseNotes(readFileSync(join(PROJECT_ROOT, 'CHANGELOG.md'), 'utf8'), version)
  expect(notes).toMatch(/^### /)
})
