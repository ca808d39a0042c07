import { InputEntryError } from '../errors.js'

/**
 * The KEY=VALUE dialect of google-github-actions/deploy-cloudrun's `env_vars`, `secrets` and `labels`
 * inputs, which it parses with `parseKVString` (google-github-actions/actions-utils, src/kv.ts, read at
 * commit 24b9009). The forms it accepts keep their meaning here:
 * - entries are separated by commas or line breaks (\n, \r, U+2028, U+2029); empty entries (blank lines,
 *   trailing commas) are skipped;
 * - the first `=` splits key from value; later ones belong to the value (`K=YWJj==`);
 * - a backslash makes the next character literal, in keys and values alike: `\,` is a comma, `\\` a
 *   backslash, and a backslash before a line break keeps the line break in the value;
 * - keys and values are trimmed after unescaping; quotes are ordinary characters (`K="a b"` keeps them);
 * - the whole input `{}` means "no entries" (deploy-cloudrun v3 then passes no flag at all, whatever its
 *   action.yml says about `{}` removing all values);
 * - a key given twice keeps its last value (parseKVString fills an object, so the last write wins).
 * Two deliberate differences, both to keep a mistyped secret out of the deploy and out of the log:
 * - an entry without `=` is refused: parseKVString makes it a key with an empty value, which is how an
 *   unescaped comma inside a value (deploy-cloudrun#541, #495) silently turns the rest of the value into
 *   a variable named after it. Write `K=` for an empty value.
 * - a line whose first non-blank character is `#` is a comment, as deploy-cloudrun's own README example
 *   for `secrets` assumes (parseKVString makes it a key; deploy-cloudrun#590).
 */

export interface Entry {
  readonly key: string
  readonly value: string
  /** 1-based, counting the entries as written (blank entries and comments aside), duplicates included. */
  readonly position: number
}

export interface SecretReference {
  /** `SECRET` for the deployed resource's project, `projects/PROJECT/secrets/SECRET` for any project. */
  readonly secret: string
  /** `latest`, a version number or a version alias. */
  readonly version: string
}

const LINE_BREAKS: ReadonlySet<string> = new Set(['\n', '\r', '\u2028', '\u2029'])
const CONTROL = /[\p{Cc}\u2028\u2029]/u
const NO_EQUALS =
  'KEY=VALUE, but this entry has no "=" (write KEY= for an empty value; a comma or line break inside a value needs a \\ before it)'
const NO_KEY = 'a KEY before "="'
const LONE_BACKSLASH =
  'a character after the final \\ (the input ends with a lone backslash; write \\\\ for a backslash)'

/**
 * Parses a KEY=VALUE list input. Throws InputEntryError(input, position, key, expected), whose message
 * never holds a value or any part of one; an entry without `=` is not named by its text either, since
 * that text may be the tail of a value split at an unescaped comma or line break.
 */
export function parseEntries(input: string, raw: string): Entry[] {
  // parseKVString trims the whole input first: a final "\ " is a lone backslash there, and so here.
  const text = raw.replace(/\r\n/g, '\n').trim()
  if (text === '' || text === '{}') return []

  const entries = new Map<string, Entry>()
  let position = 0
  let key = ''
  let value = ''
  let split = false
  let lineStart = true
  let comment = false

  const finish = (): void => {
    if (!split && key.trim() === '') {
      key = ''
      return
    }
    position++
    if (!split) throw new InputEntryError(input, position, undefined, NO_EQUALS)
    const name = key.trim()
    if (name === '') throw new InputEntryError(input, position, undefined, NO_KEY)
    // Map.set keeps a repeated key where it first appeared, as an object's property does.
    entries.set(name, Object.freeze({ key: name, value: value.trim(), position }))
    key = ''
    value = ''
    split = false
  }
  const append = (char: string): void => {
    if (split) value += char
    else key += char
  }

  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i)
    if (comment) {
      if (LINE_BREAKS.has(char)) {
        comment = false
        lineStart = true
      }
      continue
    }
    if (lineStart) {
      // Nothing is buffered at the start of a line: skipping blanks and blank lines changes no entry.
      if (/\s/.test(char)) continue
      if (char === '#') {
        comment = true
        continue
      }
      lineStart = false
    }
    if (char === '\\') {
      if (i + 1 === text.length) {
        // Only a key is named, and only one that prints on one line.
        const name = key.trim()
        const named = split && name !== '' && !CONTROL.test(name) ? name : undefined
        throw new InputEntryError(input, position + 1, named, LONE_BACKSLASH)
      }
      append(text.charAt(++i))
    } else if (char === '=' && !split) {
      split = true
    } else if (char === ',' || LINE_BREAKS.has(char)) {
      finish()
      lineStart = LINE_BREAKS.has(char)
    } else {
      append(char)
    }
  }
  if (!comment) finish()
  return [...entries.values()]
}

// Cloud Run Admin API v2, SecretKeySelector.secret and SecretVolumeSource.secret: "{secret} if the
// secret is in the same project. projects/{project}/secrets/{secret} if the secret is in a different
// project"; SecretKeySelector.version: "'latest' for the latest version, an integer for a specific
// version, or a version alias"; VersionToPath.version: "'latest' for the latest value, or an integer or
// a secret alias for a specific version" (googleapis 188, build/src/apis/run/v2.d.ts; also
// https://cloud.google.com/dotnet/docs/reference/Google.Cloud.Run.V2/latest/Google.Cloud.Run.V2.SecretKeySelector).
// Secret Manager v1, CreateSecret's secretId: "a string with a maximum length of 255 characters and can
// contain uppercase and lowercase letters, numerals, and the hyphen (-) and underscore (_) characters";
// Secret.versionAliases: "a maximum length of 63 characters", the same characters, "must start with a
// letter and cannot be the string 'latest' or 'NEW'" (googleapis 188, build/src/apis/secretmanager/v1.d.ts;
// https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets).
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/
const VERSION_ALIAS = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/
// ASSUMPTION: version numbers start at 1 (Secret Manager's examples do; no version 0 is documented).
// The 19-digit bound is gcloud's for project numbers (googlecloudsdk/command_lib/run/secrets_mapping.py).
const VERSION_NUMBER = /^[1-9][0-9]{0,18}$/
const PROJECT_NUMBER = /^[0-9]{1,19}$/
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/

const FORMS =
  'SECRET[:VERSION], projects/PROJECT/secrets/SECRET[:VERSION] or projects/PROJECT/secrets/SECRET/versions/VERSION'
const REFERENCE = `a secret reference (${FORMS})`
const PROBLEMS = {
  empty: `${REFERENCE}, not an empty value`,
  shape: REFERENCE,
  project: `${REFERENCE} whose PROJECT is a project ID or number`,
  secret: `${REFERENCE} whose SECRET is 1 to 255 letters, digits, - or _`,
  version: `${REFERENCE} whose VERSION is latest, a version number from 1, or an alias (a letter, then up to 62 letters, digits, - or _)`
} as const

/**
 * Parses the value of a `secrets` entry into the `secret` and `version` Cloud Run v2 takes for an
 * environment variable's secretKeyRef or a volume item. Throws InputEntryError(input, position, key,
 * expected), naming the form that was expected and never the value: a user may have pasted the secret
 * itself where its name belongs.
 */
export function parseSecretReference(
  input: string,
  position: number,
  key: string,
  raw: string
): SecretReference {
  const refuse = (problem: keyof typeof PROBLEMS): never => {
    throw new InputEntryError(input, position, key, PROBLEMS[problem])
  }
  if (raw === '') refuse('empty')

  let project: string | undefined
  let named: string
  let version: string | undefined
  if (raw.startsWith('projects/')) {
    const parts = raw.split('/')
    if (parts[2] !== 'secrets') refuse('shape')
    if (parts.length === 4) {
      ;[named, version] = splitVersion(parts[3] ?? '', refuse)
    } else if (parts.length === 6 && parts[4] === 'versions') {
      named = parts[3] ?? ''
      version = parts[5] ?? ''
      if (named.includes(':')) refuse('shape')
    } else {
      return refuse('shape')
    }
    project = parts[1] ?? ''
    if (!isProject(project)) refuse('project')
  } else {
    if (raw.includes('/')) refuse('shape')
    ;[named, version] = splitVersion(raw, refuse)
  }

  if (!SECRET_ID.test(named)) refuse('secret')
  if (version !== undefined && !isVersion(version)) refuse('version')
  return Object.freeze({
    secret: project === undefined ? named : `projects/${project}/secrets/${named}`,
    version: version ?? 'latest'
  })
}

/** `SECRET` or `SECRET:VERSION`; a secret ID holds no colon, so a second one is no form at all. */
function splitVersion(
  text: string,
  refuse: (problem: 'shape') => never
): [string, string | undefined] {
  const [name = '', version, ...more] = text.split(':')
  if (more.length > 0) refuse('shape')
  return [name, version]
}

function isVersion(version: string): boolean {
  if (version === 'latest' || VERSION_NUMBER.test(version)) return true
  return VERSION_ALIAS.test(version) && version !== 'NEW'
}

/**
 * A project number, a project ID, or a domain-scoped ID (`example.com:my-proj`).
 * ASSUMPTION: Cloud Run resolves `projects/PROJECT_ID/secrets/...` as it does a project number; the v2
 * reference says only `{project}`, and gcloud's own flag parser accepts a number only.
 */
function isProject(project: string): boolean {
  if (PROJECT_NUMBER.test(project) || PROJECT_ID.test(project)) return true
  const colon = project.indexOf(':')
  return (
    colon > 0 && DOMAIN.test(project.slice(0, colon)) && PROJECT_ID.test(project.slice(colon + 1))
  )
}
