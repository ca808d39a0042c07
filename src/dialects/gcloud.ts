/**
 * The part of gcloud's dialect every run may need, small and loaded with the action: the shapes a flags
 * translation takes (src/dialects/flags.ts, loaded only when the flags input is given), how gcloud splits
 * a flags string and reads its lists and durations, and deploy-cloudrun's update_traffic_flags.
 * Sources: gcloud 578.0.0, googlecloudsdk/calliope/arg_parsers.py (ArgList, ArgDict, Duration) and
 * googlecloudsdk/core/util/iso_duration.py. Pure.
 */
import { ActionError, InputEntryError } from '../errors.js'

/** Where a field lives: the resource itself; a job's ExecutionTemplate (Job.template); the object that holds
 *  the containers (Service.template / WorkerPool.template / a job's TaskTemplate Job.template.template);
 *  or the container that receives the image. */
export type FieldScope = 'resource' | 'execution' | 'revision' | 'container'

export interface FieldSetting {
  readonly scope: FieldScope
  /** v2 JSON (lowerCamelCase) path inside the scope, e.g. ['resources', 'limits', 'cpu']. A segment of
   *  decimal digits indexes an array (['vpcAccess', 'networkInterfaces', '0', 'network']). */
  readonly path: readonly string[]
  /** v2 JSON value; `undefined` means "clear this field". */
  readonly value: unknown
  /** e.g. '--cpu', for messages. */
  readonly flag: string
  /**
   * Apply only when this path (inside the same scope) is absent from the resource before any setting is
   * applied: a default gcloud's v1 request implied, never an override of what the resource already has.
   */
  readonly onlyIfAbsent?: readonly string[]
}

/** Env vars, secrets or labels given through flags, values unparsed. */
export interface EntriesFlag {
  /** --update-* / --labels: merge; --set-*: overwrite; --clear-*: overwrite with none. */
  readonly strategy: 'merge' | 'overwrite'
  readonly entries: readonly (readonly [key: string, rawValue: string])[]
  /** --remove-*: applied before the entries, as gcloud does. */
  readonly remove: readonly string[]
  /** The flag or flags given, e.g. '--update-env-vars and --remove-env-vars'. */
  readonly flag: string
}

export interface CloudSqlEdit {
  readonly op: 'add' | 'set' | 'remove' | 'clear'
  /** As given: `PROJECT:REGION:INSTANCE` or a plain instance name (of the target project and region). */
  readonly instances: readonly string[]
}

export interface FlagsTranslation {
  readonly fields: readonly FieldSetting[]
  readonly envVars?: EntriesFlag
  /** Values are raw secret references (SECRET[:VERSION] etc.); the caller validates them. */
  readonly secrets?: EntriesFlag
  readonly labels?: EntriesFlag
  /** Flags that stand for one of the action's dedicated inputs: the caller refuses a flag and its input together. */
  readonly runtimeServiceAccount?: string // --service-account   (input runtime_service_account)
  /** '' asks for server-assigned revision names again (gcloud: "Set empty string to clear the suffix"). */
  readonly suffix?: string // --revision-suffix   (input suffix)
  readonly timeout?: string // --timeout (services) as a proto Duration "300s" (input timeout); also in fields
  readonly tag?: string // --tag               (input tag)
  readonly noTraffic?: boolean // --no-traffic        (input no_traffic)
  readonly cloudSql?: CloudSqlEdit
  readonly allowUnauthenticated?: boolean // --allow-unauthenticated / --no-allow-unauthenticated (services only)
  /** Deployer permissions these flags need beyond a plain deploy (for the pre-flight check). */
  readonly permissions: readonly string[]
}

type DedicatedField =
  | 'envVars'
  | 'secrets'
  | 'labels'
  | 'runtimeServiceAccount'
  | 'suffix'
  | 'timeout'
  | 'tag'
  | 'noTraffic'

/** The action input each dedicated part of a translation repeats. */
export const DEDICATED_INPUT: Readonly<Record<DedicatedField, string>> = {
  envVars: 'env_vars',
  secrets: 'secrets',
  labels: 'labels',
  runtimeServiceAccount: 'runtime_service_account',
  suffix: 'suffix',
  timeout: 'timeout',
  tag: 'tag',
  noTraffic: 'no_traffic'
}

/** The flag behind each scalar dedicated field (entries carry theirs in EntriesFlag.flag). */
export const DEDICATED_FLAG: Readonly<
  Record<Exclude<DedicatedField, 'envVars' | 'secrets' | 'labels'>, string>
> = {
  runtimeServiceAccount: '--service-account',
  suffix: '--revision-suffix',
  timeout: '--timeout',
  tag: '--tag',
  noTraffic: '--no-traffic'
}

const INPUT = 'flags'

// ---------------------------------------------------------------------------------------------------------
// Splitting

/**
 * Splits the input into words as a POSIX shell does: whitespace (space, tab, newline; a carriage return too,
 * for CRLF files) separates words; '...' is literal; in "..." a backslash escapes only $ ` " \ and newline;
 * outside quotes a backslash escapes the next character and backslash-newline joins lines; `''` is an empty
 * word; a `#` that starts a word starts a comment to the end of the line. No expansion of any kind ($VAR,
 * globs, ~): GitHub has already substituted its expressions. An unterminated quote is an error that names
 * the word, never its text.
 */
export function splitFlags(raw: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  const end = () => {
    if (inWord) words.push(word)
    word = ''
    inWord = false
  }
  for (let i = 0; i < raw.length; i++) {
    const char = raw.charAt(i)
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      end()
    } else if (char === '#' && !inWord) {
      // A comment runs to the end of the line, as in sh; a # inside a word is an ordinary character.
      const newline = raw.indexOf('\n', i)
      i = newline < 0 ? raw.length : newline - 1
    } else if (char === '\\') {
      const next = raw.charAt(i + 1)
      if (next === '\n') {
        i++
      } else if (i + 1 < raw.length) {
        word += next
        inWord = true
        i++
      } else {
        word += char // a trailing backslash stays, as in sh
        inWord = true
      }
    } else if (char === "'") {
      const close = raw.indexOf("'", i + 1)
      if (close < 0) throw unterminated('single', words.length + 1)
      word += raw.slice(i + 1, close)
      inWord = true
      i = close
    } else if (char === '"') {
      inWord = true
      let closed = false
      for (i++; i < raw.length; i++) {
        const inner = raw.charAt(i)
        if (inner === '"') {
          closed = true
          break
        }
        if (inner === '\\' && i + 1 < raw.length) {
          const next = raw.charAt(i + 1)
          if (next === '\n') {
            i++
            continue
          }
          if ('$`"\\'.includes(next)) {
            word += next
            i++
            continue
          }
        }
        word += inner
      }
      if (!closed) throw unterminated('double', words.length + 1)
    } else {
      word += char
      inWord = true
    }
  }
  end()
  return words
}

function unterminated(quote: 'single' | 'double', wordNumber: number): ActionError {
  return new ActionError(
    `Input ${INPUT}: word ${wordNumber} opens a ${quote} quote that is never closed; ` +
      'quote whole values, as in a shell.'
  )
}

// ---------------------------------------------------------------------------------------------------------
// gcloud's value grammars (calliope/arg_parsers.py)

/** A value problem: becomes InputEntryError(flags, position, flag, expected), which never shows the value. */
export class Expected extends Error {}

export const LIST_RULE =
  'a comma-separated list (or ^DELIM^ first to split on another delimiter, e.g. ^:^a,b:c)'
export const DICT_RULE =
  'KEY=VALUE pairs separated by commas (or ^DELIM^ first to split on another delimiter, e.g. ^:^A=1,2:B=3)'

/**
 * ArgList: split on commas, or on DELIM when the value starts with `^DELIM^`; a trailing delimiter adds no
 * empty item; '' is the empty list.
 */
export function splitGcloudList(value: string): string[] {
  let delimiter = ','
  let rest = value
  if (rest.startsWith('^') && rest.indexOf('^', 1) > 0) {
    const close = rest.indexOf('^', 1)
    delimiter = rest.slice(1, close)
    rest = rest.slice(close + 1)
    if (delimiter === '') throw new Expected(`${LIST_RULE}; "^^" names no delimiter`)
  }
  if (rest === '') return []
  const items = rest.split(delimiter)
  if (rest.endsWith(delimiter)) items.pop()
  return items
}

/**
 * ArgDict: a list whose every item is KEY=VALUE (the first `=` splits). gcloud keeps the last of two equal keys
 * silently; here a repeated key is an error, like the action's other KEY=VALUE inputs.
 */
export function splitGcloudDict(value: string, trimKeys: boolean): [string, string][] {
  const pairs: [string, string][] = []
  const seen = new Set<string>()
  splitGcloudList(value).forEach((item, index) => {
    const equals = item.indexOf('=')
    if (equals <= 0) throw new Expected(`${DICT_RULE}; item ${index + 1} has no KEY=`)
    const key = trimKeys ? item.slice(0, equals).trim() : item.slice(0, equals)
    if (key === '') throw new Expected(`${DICT_RULE}; item ${index + 1} has an empty KEY`)
    if (seen.has(key)) throw new Expected(`each KEY once; "${key}" is repeated`)
    seen.add(key)
    pairs.push([key, item.slice(equals + 1)])
  })
  return pairs
}

const SUB_SECOND: Readonly<Record<string, number>> = { M: 1e-3, U: 1e-6, N: 1e-9 }
const DURATION_RULE =
  'a duration of at least 1s in whole seconds: seconds (300), or units such as 300s, 5m, 1h, 1h30m, 10m5s, PT5M'

/**
 * gcloud's Duration (arg_parsers.Duration over iso_duration.Duration.Parse): a bare integer is seconds;
 * otherwise an optional P, then number-unit parts (W, D, H, M, S, and MS/US/NS as the last part), with an
 * optional T; case-insensitive; without P, T is implied so M is minutes. Years and months (Y, or M before
 * T after P) are refused: gcloud gives them average lengths, far beyond any Cloud Run timeout. The result
 * must be whole seconds of at least 1s (gcloud's lower bound for --timeout and --task-timeout) and becomes a
 * proto Duration string, e.g. "300s".
 */
export function gcloudDuration(value: string): string {
  let seconds = 0
  if (/^\d+$/.test(value)) {
    seconds = Number(value)
  } else {
    let text = value.toUpperCase()
    if (text.startsWith('+')) text = text.slice(1)
    let timeImplied = !text.startsWith('P')
    if (!timeImplied) text = text.slice(1)
    let separatorSeen = false
    let amount = ''
    let parts = 0
    for (let i = 0; i < text.length; i++) {
      const char = text.charAt(i)
      if (/[0-9]/.test(char)) {
        amount += char
        continue
      }
      if (char === '.' || char === ',') {
        amount += '.'
        continue
      }
      if (char === 'T') {
        if (separatorSeen) throw new Expected(DURATION_RULE)
        separatorSeen = timeImplied = true
        continue
      }
      const number = Number(amount)
      if (amount === '' || Number.isNaN(number)) throw new Expected(DURATION_RULE)
      amount = ''
      parts++
      const subSecond = SUB_SECOND[char]
      if (subSecond !== undefined && text.charAt(i + 1) === 'S' && i + 2 === text.length) {
        seconds += number * subSecond
        break
      }
      if (char === 'W') seconds += number * 604800
      else if (char === 'D') seconds += number * 86400
      else if (char === 'H' || char === 'S' || (char === 'M' && timeImplied)) {
        timeImplied = true
        seconds += number * (char === 'H' ? 3600 : char === 'M' ? 60 : 1)
      } else throw new Expected(DURATION_RULE) // Y, months, or not a unit
    }
    if (amount !== '' || parts === 0) throw new Expected(DURATION_RULE)
    seconds = Math.round(seconds * 1e6) / 1e6
  }
  if (!Number.isInteger(seconds) || seconds < 1) throw new Expected(DURATION_RULE)
  return `${seconds}s`
}

// ---------------------------------------------------------------------------------------------------------
// update_traffic_flags

/**
 * deploy-cloudrun's `update_traffic_flags`, the flags it appends to `gcloud run services update-traffic`:
 * the ones that say where traffic goes become revision_traffic / tag_traffic values (`--to-latest` is
 * `LATEST=100`). Tag management (--set-tags, --update-tags, ...) has the `tag` input and revision_traffic
 * instead, and is refused with that advice.
 */
export function translateTrafficFlags(raw: string): { revisions?: string; tags?: string } {
  const input = 'update_traffic_flags'
  const words = splitFlags(raw)
  const result: { revisions?: string; tags?: string } = {}
  for (let i = 0, position = 1; i < words.length; i++, position++) {
    const word = words[i] ?? ''
    const [name = '', inline] = word.split(/=(.*)/s)
    const value = () => {
      if (inline !== undefined) return inline
      const next = words[i + 1]
      if (next === undefined || next.startsWith('--')) {
        throw new InputEntryError(input, position, name, `a value after ${name}`)
      }
      i++
      return next
    }
    const set = (field: 'revisions' | 'tags', given: string) => {
      if (result[field] !== undefined) {
        throw new InputEntryError(
          input,
          position,
          name,
          'each of --to-latest, --to-revisions and --to-tags at most once'
        )
      }
      result[field] = given
    }
    if (name === '--to-latest' && inline === undefined) set('revisions', 'LATEST=100')
    else if (name === '--to-revisions') set('revisions', value())
    else if (name === '--to-tags') set('tags', value())
    else if (['--platform', '--quiet', '-q'].includes(name)) continue
    else {
      throw new InputEntryError(
        input,
        position,
        /^--?[a-z][a-z0-9-]*$/.test(name) ? name : undefined,
        '--to-latest, --to-revisions=REVISION=PERCENT,... or --to-tags=TAG=PERCENT,... (tags: the tag input)'
      )
    }
  }
  return result
}
