/**
 * The IAM model: allow policies per resource, the resource hierarchy they inherit along, member matching
 * (including workload identity federation's principal sets), role expansion, propagation delay, and the
 * get/setIamPolicy semantics every Google API shares (https://cloud.google.com/iam/docs/reference/rest).
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  GoogleApiError,
  type Binding,
  type EmulatorRequest,
  type Policy,
  type ProjectInfo,
  type Route,
  type Scenario
} from './core.js'
import { RoleCatalog } from './roles.js'

/** The 403 every Google API returns for a missing permission, with the ErrorInfo clients parse. */
export function permissionDenied(permission: string, resource: string, message?: string) {
  return new GoogleApiError(
    'PERMISSION_DENIED',
    message ?? `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`,
    [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'IAM_PERMISSION_DENIED',
        domain: 'iam.googleapis.com',
        metadata: { permission, resource }
      }
    ]
  )
}

/** Google's wording when a call that needs credentials arrives without any. */
export function missingCredentials(): GoogleApiError {
  return new GoogleApiError(
    'UNAUTHENTICATED',
    'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie ' +
      'or other valid authentication credential. See ' +
      'https://developers.google.com/identity/sign-in/web/devconsole-project.'
  )
}

/** The etag of a resource that never had a policy written: what Google returns for an empty policy. */
const EMPTY_POLICY_ETAG = 'ACAB'

interface PolicyVersion {
  readonly policy: Policy
  /** Emulator clock; -Infinity for the scenario's policies, which were set long before the run. */
  readonly writtenAt: number
  readonly writer: string | undefined
}

interface ProjectRecord extends ProjectInfo {
  readonly parent: string | undefined
}

export interface IamClock {
  now(): number
  propagationDelayMs(): number
}

function newEtag(): string {
  return randomBytes(8).toString('base64')
}

function hasConditions(policy: Policy): boolean {
  return (policy.bindings ?? []).some(binding => binding.condition)
}

/**
 * Conditions: the emulator evaluates only conjunctions of `request.time` comparisons with a
 * `timestamp("...")` (the common "temporary access" condition,
 * https://cloud.google.com/iam/docs/configuring-temporary-access). Any other expression cannot be
 * evaluated here and is treated as not granting: an access check fails closed rather than open.
 */
export function evaluateCondition(expression: string, now: number): boolean {
  const terms = expression.split('&&')
  return terms.every(term => {
    const match = term
      .trim()
      .replace(/^\((.*)\)$/, '$1')
      .match(/^request\.time\s*(<=|>=|<|>)\s*timestamp\(\s*["']([^"']+)["']\s*\)$/)
    if (!match) return false
    const at = Date.parse(match[2] ?? '')
    if (Number.isNaN(at)) return false
    switch (match[1]) {
      case '<':
        return now < at
      case '<=':
        return now <= at
      case '>':
        return now > at
      default:
        return now >= at
    }
  })
}

/**
 * Member matching. `principalSet://.../workloadIdentityPools/POOL/*` holds every federated principal of
 * the pool; `.../POOL/attribute.NAME/VALUE` those whose mapped attribute has that value
 * (https://cloud.google.com/iam/docs/principal-identifiers).
 */
function memberMatches(
  bound: string,
  member: string | undefined,
  attributesOf: (member: string) => Readonly<Record<string, string>> | undefined
): boolean {
  if (bound === 'allUsers') return true
  if (member === undefined) return false
  // Identities from workload identity federation count as authenticated too.
  if (bound === 'allAuthenticatedUsers') return true
  if (bound.startsWith('principalSet://')) {
    const match = bound.match(
      /^principalSet:\/\/(iam\.googleapis\.com\/projects\/[^/]+\/locations\/global\/workloadIdentityPools\/[^/]+)\/(.+)$/
    )
    if (!match) return false
    const [, pool, selector] = match
    if (!member.startsWith(`principal://${pool}/subject/`)) return false
    if (selector === '*') return true
    const attribute = selector?.match(/^attribute\.([^/]+)\/(.+)$/)
    if (!attribute) return false
    return attributesOf(member)?.[attribute[1] ?? ''] === attribute[2]
  }
  const colon = bound.indexOf(':')
  // Emails are case-insensitive in IAM; principal:// identifiers are compared as they are.
  if (colon > 0 && ['user', 'serviceAccount', 'group'].includes(bound.slice(0, colon))) {
    return bound.toLowerCase() === member.toLowerCase()
  }
  return bound === member
}

/**
 * Google merges bindings that share role and condition and drops duplicate members and empty bindings
 * when a policy is stored; the rest is kept exactly as the writer sent it.
 */
function normalizeBindings(bindings: readonly Binding[]): Binding[] {
  const merged = new Map<string, Binding>()
  for (const binding of bindings) {
    const key = JSON.stringify([binding.role, binding.condition ?? null])
    const members = [...(merged.get(key)?.members ?? []), ...(binding.members ?? [])]
    merged.set(key, { ...structuredClone(binding), members: [...new Set(members)] })
  }
  return [...merged.values()].filter(binding => (binding.members ?? []).length > 0)
}

/**
 * The limits every allow policy has: "The `bindings` in a `Policy` can refer to up to 1,500 principals;
 * up to 250 of these principals can be Google groups. Each occurrence of a principal counts towards these
 * limits" (the Policy type's `bindings` field, googleapis iam/v1; https://cloud.google.com/iam/quotas also
 * counts audit-logging exemptions).
 */
export const MAX_POLICY_PRINCIPALS = 1500
export const MAX_POLICY_GROUPS = 250

/** Every occurrence of a principal in a policy's bindings and audit-logging exemptions. */
export function policyPrincipals(policy: Policy): string[] {
  return [
    ...(policy.bindings ?? []).flatMap(binding => binding.members ?? []),
    ...(policy.auditConfigs ?? []).flatMap(config =>
      (config.auditLogConfigs ?? []).flatMap(log => log.exemptedMembers ?? [])
    )
  ]
}

/**
 * Refuses a policy over the limits. Source for the wording: setIamPolicy's 400 INVALID_ARGUMENT as
 * gcloud and the Go client print it ("The number of members in the policy (1,501) is larger than the
 * maximum allowed size 1,500."; kubeflow/pipelines#1146, hashicorp/terraform-provider-google#25093).
 * ASSUMPTION: the count is taken after duplicate members of one binding are merged, and the groups
 * message mirrors the members one (not found in any report).
 */
export function checkPolicyLimits(policy: Policy): void {
  const principals = policyPrincipals(policy)
  const count = (n: number) => n.toLocaleString('en-US')
  if (principals.length > MAX_POLICY_PRINCIPALS) {
    throw new GoogleApiError(
      'INVALID_ARGUMENT',
      `The number of members in the policy (${count(principals.length)}) is larger than the maximum allowed size ${count(MAX_POLICY_PRINCIPALS)}.`
    )
  }
  const groups = principals.filter(member => member.startsWith('group:')).length
  if (groups > MAX_POLICY_GROUPS) {
    throw new GoogleApiError(
      'INVALID_ARGUMENT',
      `The number of Google groups in the policy (${count(groups)}) is larger than the maximum allowed size ${count(MAX_POLICY_GROUPS)}.`
    )
  }
}

/** The policy as getIamPolicy answers it: proto3 JSON leaves empty lists out. */
function rendered(policy: Policy): Policy {
  const copy = structuredClone(policy)
  if (!copy.bindings?.length) delete copy.bindings
  if (!copy.auditConfigs?.length) delete copy.auditConfigs
  return copy
}

export class IamModel {
  readonly roles: RoleCatalog
  private readonly projectsById = new Map<string, ProjectRecord>()
  private readonly projectsByNumber = new Map<string, ProjectRecord>()
  private readonly folders = new Map<string, string>()
  private readonly organizations = new Set<string>()
  private readonly serviceAccounts = new Set<string>()
  private readonly history = new Map<string, PolicyVersion[]>()
  private readonly federated = new Map<string, Readonly<Record<string, string>>>()

  constructor(
    scenario: Scenario,
    private readonly clock: IamClock
  ) {
    for (const project of scenario.projects) {
      const record = { ...project, parent: project.parent }
      this.projectsById.set(project.projectId, record)
      this.projectsByNumber.set(project.projectNumber, record)
    }
    for (const org of scenario.organizations ?? []) this.organizations.add(org.id)
    for (const folder of scenario.folders ?? []) this.folders.set(folder.id, folder.parent)
    for (const account of scenario.serviceAccounts ?? []) {
      this.serviceAccounts.add(account.email.toLowerCase())
    }
    this.roles = new RoleCatalog(
      (scenario.customRoles ?? []).map(role => ({ ...role, name: this.canonical(role.name ?? '') }))
    )
    const seeded: [string, Policy | undefined][] = [
      ...(scenario.organizations ?? []).map(
        o => [`organizations/${o.id}`, o.policy] as [string, Policy]
      ),
      ...(scenario.folders ?? []).map(f => [`folders/${f.id}`, f.policy] as [string, Policy]),
      ...scenario.projects.map(p => [`projects/${p.projectId}`, p.policy] as [string, Policy]),
      ...(scenario.serviceAccounts ?? []).map(
        a => [`projects/-/serviceAccounts/${a.email}`, a.policy] as [string, Policy]
      ),
      ...(scenario.repositories ?? []).map(r => [r.name, r.policy] as [string, Policy])
    ]
    for (const [resource, policy] of seeded) {
      if (policy) this.seedPolicy(resource, policy)
    }
  }

  /** Stores a policy that counts at once, as if it had been set long ago (scenarios, other models). */
  seedPolicy(resource: string, policy: Policy): void {
    const stored = this.stored(policy)
    this.history.set(this.canonical(resource), [
      { policy: stored, writtenAt: -Infinity, writer: undefined }
    ])
  }

  // ---- Resources and hierarchy --------------------------------------------------------------------

  project(idOrNumber: string): ProjectInfo {
    const record = this.findProject(idOrNumber)
    if (!record) {
      throw new GoogleApiError('NOT_FOUND', `Project '${idOrNumber}' not found.`)
    }
    return { projectId: record.projectId, projectNumber: record.projectNumber }
  }

  findProject(idOrNumber: string): ProjectRecord | undefined {
    return this.projectsById.get(idOrNumber) ?? this.projectsByNumber.get(idOrNumber)
  }

  hasServiceAccount(email: string): boolean {
    return this.serviceAccounts.has(email.toLowerCase())
  }

  /**
   * The project a service account belongs to, from its email: `NAME@PROJECT.iam.gserviceaccount.com`, or
   * `NUMBER-compute@developer.gserviceaccount.com` for the default compute account.
   */
  serviceAccountProject(email: string): string | undefined {
    const user = email.match(/^[^@]+@([^.]+)\.iam\.gserviceaccount\.com$/i)?.[1]
    if (user) return this.findProject(user)?.projectId ?? user
    const compute = email.match(/^(\d+)-compute@developer\.gserviceaccount\.com$/i)?.[1]
    if (compute) return this.findProject(compute)?.projectId
    return undefined
  }

  /**
   * One spelling per resource: project numbers become IDs, and a service account's project (often `-`)
   * is taken from its email.
   */
  canonical(resource: string): string {
    const parts = resource.split('/')
    if (parts[0] !== 'projects' || parts.length < 2) return resource
    if (parts[2] === 'serviceAccounts' && parts[3]) {
      const owner = this.serviceAccountProject(parts[3])
      if (owner) parts[1] = owner
      parts[3] = parts[3].toLowerCase()
    } else {
      parts[1] = this.findProject(parts[1] ?? '')?.projectId ?? parts[1] ?? ''
    }
    return parts.join('/')
  }

  /** The resource and every ancestor whose policy it inherits, nearest first. */
  ancestry(resource: string): string[] {
    const name = this.canonical(resource)
    const parts = name.split('/')
    const chain: string[] = []
    // Each collection/id pair below the root is a level that may carry a policy (a repository under
    // its project, a service under its location, ...).
    for (let length = parts.length - (parts.length % 2); length >= 2; length -= 2) {
      chain.push(parts.slice(0, length).join('/'))
    }
    if (parts.length % 2 === 1) chain.unshift(name)
    let parent: string | undefined
    if (parts[0] === 'projects') parent = this.findProject(parts[1] ?? '')?.parent
    else if (parts[0] === 'folders' && parts.length === 2) parent = this.folders.get(parts[1] ?? '')
    const seen = new Set(chain)
    while (parent && !seen.has(parent)) {
      chain.push(parent)
      seen.add(parent)
      parent = parent.startsWith('folders/') ? this.folders.get(parent.slice(8)) : undefined
    }
    return chain
  }

  // ---- Federated principals -----------------------------------------------------------------------

  /** Keeps the mapped attributes of a federated principal, for `principalSet://.../attribute.X/V`. */
  recordFederatedPrincipal(member: string, attributes: Readonly<Record<string, string>>): void {
    this.federated.set(member, { ...attributes })
  }

  // ---- Access checks ------------------------------------------------------------------------------

  /** Whether `member` holds `permission` on `resource` through bindings that have propagated. */
  hasPermission(member: string | undefined, permission: string, resource: string): boolean {
    const cutoff = this.clock.now() - this.clock.propagationDelayMs()
    return this.ancestry(resource).some(level => {
      const policy = this.effectivePolicy(level, cutoff)
      return this.grants(policy, member, permission) === 'granted'
    })
  }

  /**
   * How one policy treats `member` and `permission`: granted by an unconditional (or evaluable and
   * true) binding, `conditional` when only bindings with conditions name the member, or not granted.
   */
  grants(
    policy: Policy | undefined,
    member: string | undefined,
    permission: string,
    evaluateConditions = true
  ): 'granted' | 'conditional' | 'none' {
    let result: 'conditional' | 'none' = 'none'
    for (const binding of policy?.bindings ?? []) {
      if (!this.roleIncludes(binding.role ?? '', permission)) continue
      if (!(binding.members ?? []).some(bound => this.matches(bound, member))) continue
      if (!binding.condition) return 'granted'
      if (
        evaluateConditions &&
        evaluateCondition(binding.condition.expression ?? '', this.clock.now())
      ) {
        return 'granted'
      }
      result = 'conditional'
    }
    return result
  }

  roleIncludes(role: string, permission: string): boolean {
    const name = role.startsWith('projects/') ? this.canonical(role) : role
    return this.roles.permissions(name).has(permission)
  }

  matches(bound: string, member: string | undefined): boolean {
    return memberMatches(bound, member, m => this.federated.get(m))
  }

  requireAuthenticated(member: string | undefined): asserts member is string {
    if (member === undefined) throw missingCredentials()
  }

  /**
   * Throws UNAUTHENTICATED without a member (unless `allUsers` is granted) and PERMISSION_DENIED in
   * Google's wording otherwise. `shown` is the resource as the API names it in its message.
   */
  authorize(
    member: string | undefined,
    permission: string,
    resource: string,
    shown = resource
  ): void {
    if (this.hasPermission(member, permission, resource)) return
    if (member === undefined) throw missingCredentials()
    throw permissionDenied(permission, shown)
  }

  /** The subset of `permissions` that `member` holds on `resource`: testIamPermissions. */
  heldPermissions(member: string | undefined, permissions: readonly string[], resource: string) {
    return permissions.filter(permission => this.hasPermission(member, permission, resource))
  }

  // ---- Policies -----------------------------------------------------------------------------------

  private versions(resource: string): PolicyVersion[] {
    return this.history.get(this.canonical(resource)) ?? []
  }

  /** The latest policy written at least the propagation delay ago: what access checks see. */
  private effectivePolicy(resource: string, cutoff: number): Policy | undefined {
    const versions = this.versions(resource)
    for (let i = versions.length - 1; i >= 0; i--) {
      const version = versions[i]
      if (version && version.writtenAt <= cutoff) return version.policy
    }
    return undefined
  }

  /** The current policy, version 3 form, as stored (a deep copy). */
  currentPolicy(resource: string): Policy {
    const latest = this.versions(resource).at(-1)
    return rendered(latest?.policy ?? { version: 1, etag: EMPTY_POLICY_ETAG })
  }

  /**
   * getIamPolicy. Below version 3 a conditional binding is returned without its condition and with its
   * role renamed `ROLE_withcond_<hash>`, in a version 1 policy, so that an old client cannot write it back
   * by mistake (https://cloud.google.com/iam/docs/policies#versions).
   * ASSUMPTION: the hash is an opaque hex string; Google does not document its length or derivation.
   */
  getIamPolicy(resource: string, requestedPolicyVersion: number | undefined): Policy {
    const policy = this.currentPolicy(resource)
    if ((requestedPolicyVersion ?? 0) >= 3 || !hasConditions(policy)) return policy
    return rendered({
      ...policy,
      version: 1,
      bindings: (policy.bindings ?? []).map(binding => {
        if (!binding.condition) return binding
        const hash = createHash('sha256')
          .update(JSON.stringify([binding.role, binding.condition]))
          .digest('hex')
          .slice(0, 20)
        return { role: `${binding.role}_withcond_${hash}`, members: binding.members }
      })
    })
  }

  /**
   * setIamPolicy: optimistic concurrency on the etag (a missing etag is a blind write, which Google
   * accepts), conditions only in version 3, the principal limits, and the policy stored as the writer
   * sent it.
   * https://cloud.google.com/iam/docs/policies#etag
   */
  setIamPolicy(resource: string, policy: unknown, writer?: string): Policy {
    if (!policy || typeof policy !== 'object' || Array.isArray(policy)) {
      throw new GoogleApiError(
        'INVALID_ARGUMENT',
        'Invalid JSON payload: "policy" must be an object.'
      )
    }
    const sent = policy as Policy
    const current = this.currentPolicy(resource)
    if (sent.etag && sent.etag !== current.etag) {
      throw new GoogleApiError(
        'ABORTED',
        'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.'
      )
    }
    const version = sent.version ?? 1
    if (![0, 1, 3].includes(version)) {
      throw new GoogleApiError('INVALID_ARGUMENT', `Invalid policy version: ${version}.`)
    }
    for (const binding of sent.bindings ?? []) {
      if (!binding.role) throw new GoogleApiError('INVALID_ARGUMENT', 'A binding has no role.')
      for (const member of binding.members ?? []) {
        if (
          !/^(allUsers|allAuthenticatedUsers|[a-zA-Z]+:.+|principal(Set)?:\/\/.+)$/.test(member)
        ) {
          // Source: the message Resource Manager returns for a malformed member.
          throw new GoogleApiError(
            'INVALID_ARGUMENT',
            `Invalid argument: Policy members must be of the form "<type>:<value>". Got ${member}.`
          )
        }
      }
      if (binding.condition && version < 3) {
        // ASSUMPTION: the exact wording; the rule (conditions need version 3) is documented at
        // https://cloud.google.com/iam/docs/policies#versions.
        throw new GoogleApiError(
          'INVALID_ARGUMENT',
          `Policy version ${version} does not support conditional role bindings; set version 3 to use conditions.`
        )
      }
    }
    const stored = this.stored(sent)
    checkPolicyLimits(stored)
    const name = this.canonical(resource)
    const list = this.history.get(name) ?? []
    list.push({ policy: stored, writtenAt: this.clock.now(), writer })
    // Keep a bounded history: enough to answer "what had propagated" for any realistic delay.
    if (list.length > 64) list.splice(0, list.length - 64)
    this.history.set(name, list)
    return rendered(stored)
  }

  /**
   * A read-modify-write that cannot be interrupted: another writer, for race tests. The writer is a
   * well-behaved client: it reads version 3 and writes version 3 when the result has conditions, as
   * gcloud does.
   */
  readModifyWrite(resource: string, mutate: (policy: Policy) => Policy, writer?: string): Policy {
    const read = this.getIamPolicy(resource, 3)
    const next = mutate(structuredClone(read))
    const version = hasConditions(next) ? 3 : (next.version ?? 1)
    return this.setIamPolicy(resource, { ...next, etag: read.etag, version }, writer)
  }

  /**
   * ASSUMPTION: a stored policy is version 3 when it has conditions and version 1 otherwise, whatever
   * version the writer asked for; that is what getIamPolicy shows in practice.
   */
  private stored(policy: Policy): Policy {
    const bindings = normalizeBindings(policy.bindings ?? [])
    const result: Policy = {
      version: bindings.some(b => b.condition) ? 3 : 1,
      etag: newEtag(),
      bindings
    }
    if (policy.auditConfigs?.length) result.auditConfigs = structuredClone(policy.auditConfigs)
    return result
  }
}

// ---- Routes shared by every API's IAM methods ----------------------------------------------------

export interface PolicyRouteSpec {
  /** Route name prefix, e.g. `artifactregistry.repositories` → `...getIamPolicy`. */
  readonly name: string
  /** Regular-expression source for the resource part of the path, with named groups. */
  readonly path: string
  /** Whether getIamPolicy is a GET (options in the query) or a POST (options in the body). */
  readonly getMethod: 'GET' | 'POST'
  /** Permission prefix: `<prefix>.getIamPolicy` / `<prefix>.setIamPolicy`. */
  readonly permission: string
  /**
   * The resource's relative name, and its name as the API shows it in errors. `permission` is the one
   * about to be checked (undefined for testIamPermissions), so that a missing resource can answer 404
   * only to a caller who would have been allowed to see it.
   */
  readonly resolve: (
    req: EmulatorRequest,
    permission: string | undefined
  ) => { resource: string; shown: string }
}

function requestedVersion(req: EmulatorRequest): number | undefined {
  const fromQuery = req.url.searchParams.get('options.requestedPolicyVersion')
  const body = req.body as { options?: { requestedPolicyVersion?: unknown } } | undefined
  const raw = fromQuery ?? body?.options?.requestedPolicyVersion
  if (raw === undefined || raw === null) return undefined
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0 || value > 3) {
    throw new GoogleApiError(
      'INVALID_ARGUMENT',
      `Invalid requested policy version: ${String(raw)}.`
    )
  }
  return value
}

/** getIamPolicy / setIamPolicy / testIamPermissions for one kind of resource. */
export function policyRoutes(iam: IamModel, spec: PolicyRouteSpec): Route[] {
  const route = (verb: string) => new RegExp(`^${spec.path}(?::|%3A)${verb}$`)
  return [
    {
      method: spec.getMethod,
      pattern: route('getIamPolicy'),
      name: `${spec.name}.getIamPolicy`,
      handler: req => {
        const permission = `${spec.permission}.getIamPolicy`
        const { resource, shown } = spec.resolve(req, permission)
        iam.authorize(req.principal, permission, resource, shown)
        return { body: iam.getIamPolicy(resource, requestedVersion(req)) }
      }
    },
    {
      method: 'POST',
      pattern: route('setIamPolicy'),
      name: `${spec.name}.setIamPolicy`,
      mutating: true,
      handler: req => {
        const permission = `${spec.permission}.setIamPolicy`
        const { resource, shown } = spec.resolve(req, permission)
        iam.authorize(req.principal, permission, resource, shown)
        const body = req.body as { policy?: unknown } | undefined
        return { body: iam.setIamPolicy(resource, body?.policy, req.principal) }
      }
    },
    {
      method: 'POST',
      pattern: route('testIamPermissions'),
      name: `${spec.name}.testIamPermissions`,
      // No permission is needed to ask which permissions one holds
      // (https://cloud.google.com/iam/docs/testing-permissions).
      handler: req => {
        iam.requireAuthenticated(req.principal)
        const { resource } = spec.resolve(req, undefined)
        const asked = (req.body as { permissions?: unknown } | undefined)?.permissions
        const permissions = Array.isArray(asked) ? asked.filter(p => typeof p === 'string') : []
        const held = iam.heldPermissions(req.principal, permissions, resource)
        // proto3 JSON leaves an empty list out: `{}` when none is held.
        return { body: held.length ? { permissions: held } : {} }
      }
    }
  ]
}

/**
 * IAM API v1 service accounts' own policies (who may act as or impersonate them):
 * `POST /v1/projects/P/serviceAccounts/EMAIL:getIamPolicy` etc.
 * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts
 */
export function serviceAccountPolicyRoutes(iam: IamModel): Route[] {
  return policyRoutes(iam, {
    name: 'iam.serviceAccounts',
    path: '/v1/projects/(?<project>[^/]+)/serviceAccounts/(?<email>[^/:%]+(?:%40|@)[^/:%]+)',
    getMethod: 'POST',
    permission: 'iam.serviceAccounts',
    resolve: req => {
      const email = req.params.email ?? ''
      // ASSUMPTION: IAM's wording for an unknown service account.
      if (!iam.hasServiceAccount(email))
        throw new GoogleApiError('NOT_FOUND', 'Unknown service account')
      const resource = iam.canonical(`projects/-/serviceAccounts/${email}`)
      return { resource, shown: resource }
    }
  })
}
