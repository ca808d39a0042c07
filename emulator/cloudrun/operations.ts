/**
 * `projects/P/locations/L/operations`: get, list and wait. Wait is best effort, as Google documents it:
 * "It may return the latest state before the specified timeout (including immediately), meaning even
 * an immediate response is no guarantee that the operation is done." (google.longrunning.Operations.
 * WaitOperation). Here it returns when the operation is done or after min(timeout, 2 s) of wall time;
 * with the option `waitReturnsAtOnce` it answers the current state at once, done or not.
 */
import type { EmulatorRequest, EmulatorResponse } from '../core.js'
import { GoogleApiError } from '../core.js'
import { notFound } from './messages.js'
import type { CloudRunStore } from './store.js'
import { deepCopy, isObject, parseDuration, sleep } from './util.js'

/** The longest a wait holds the request: clients must loop anyway (REFERENCE.md). */
export const MAX_WAIT_MS = 2000
const POLL_MS = 25

function find(store: CloudRunStore, req: EmulatorRequest) {
  const { name, id, location, raw } = store.named(req, 'operations')
  store.ctx.authorize(req, 'run.operations.get', name)
  store.settle()
  const record = store.operations.get(name)
  // Assumption: an unknown operation answers in Cloud Run's NOT_FOUND shape.
  if (!record) throw notFound(id, 'OPERATION', location, raw)
  return record
}

export function getOperation(store: CloudRunStore, req: EmulatorRequest): EmulatorResponse {
  return { body: deepCopy(find(store, req).operation) }
}

export function listOperations(store: CloudRunStore, req: EmulatorRequest): EmulatorResponse {
  const { projectId } = store.project(req)
  const parent = `projects/${projectId}/locations/${req.params['location'] ?? ''}`
  store.ctx.authorize(req, 'run.operations.list', parent)
  store.settle()
  const operations = [...store.operations.values()]
    .filter(r => r.operation.name?.startsWith(`${parent}/operations/`))
    .map(r => deepCopy(r.operation))
  return { body: operations.length ? { operations } : {} }
}

export async function waitOperation(
  store: CloudRunStore,
  req: EmulatorRequest
): Promise<EmulatorResponse> {
  if (req.body !== undefined && req.body !== null && !isObject(req.body)) {
    throw new GoogleApiError(
      'INVALID_ARGUMENT',
      'Invalid JSON payload received. Expected an object.'
    )
  }
  const timeout = parseDuration(isObject(req.body) ? req.body['timeout'] : undefined, 'timeout')
  const budget = Math.min(timeout ?? MAX_WAIT_MS, MAX_WAIT_MS)
  // The hold is measured on the wall (advanceClock must not make it hang), scaled like the clock.
  const deadline = Date.now() + store.ctx.toWall(budget)
  let record = find(store, req)
  if (store.ctx.options.waitReturnsAtOnce) return { body: deepCopy(record.operation) }
  while (!record.operation.done && Date.now() < deadline) {
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())))
    store.settle()
    record = find(store, req)
  }
  return { body: deepCopy(record.operation) }
}
