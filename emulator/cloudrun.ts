/**
 * Cloud Run Admin API v2 (`https://run.googleapis.com/v2/...`) for the local emulator: services, jobs
 * (and their executions), worker pools, revisions and long-running operations. It fails the way Cloud
 * Run fails; the sources of each behaviour are cited where it is implemented (emulator/cloudrun/).
 *
 * Behaviour in brief
 * - A deploy (create or patch) is checked synchronously: the caller's run.* permission, the request's
 *   shape, the etag (409 ABORTED), `iam.serviceAccounts.actAs` on the runtime service account (default:
 *   the project's compute service account) and, since 2025-01-15, the deployer's own read access to each
 *   image. Then it returns a long-running Operation that is done `options.operationDelayMs` later.
 * - Content rules, refused with 400 INVALID_ARGUMENT and a google.rpc.BadRequest field violation
 *   (rules.ts): traffic (services) or instance splits (worker pools) that do not add up to 100, a tag
 *   used twice, a volume name used twice, a `volumeMounts[].name` that names no volume of the template
 *   (all three kinds), a service or worker-pool `template.revision` not starting with `<id>-`. Several
 *   entries may name LATEST (gcloud writes a tagged 0% one beside the percentage).
 * - Traffic or a split naming a revision that does not exist is accepted; the operation then fails
 *   (code 13, "Revision 'X' does not exist or is deleted. Update all traffic to route to currently
 *   available revisions."), the resource's RoutesReady fails and its traffic statuses stay as they were.
 * - Revisions: an identical template makes none unless `forceNewRevision=true` or a new
 *   `template.revision` (services and worker pools); jobs have none, and jobs.patch refuses the
 *   `forceNewRevision` (and `updateMask`) query parameter as Google's front end refuses unknown ones.
 * - Output-only fields sent back (`threatDetectionEnabled`, `instanceSplitStatuses`, a container's
 *   `buildInfo`, ...) are ignored, neither stored nor compared (AIP-203).
 * - When the operation finishes, Cloud Run's service agent
 *   `service-<PROJECT_NUMBER>@serverless-robot-prod.iam.gserviceaccount.com` pulls every image, at that
 *   moment (so IAM propagation delay counts). A denied pull fails the revision with reason
 *   CONTAINER_PERMISSION_DENIED and Cloud Run's exact message; a missing image with CONTAINER_MISSING.
 * - Operations finish lazily whenever the model is touched (any Cloud Run route or getter, or a Cloud
 *   Logging read); no timers. `operations.wait` holds the request until done (at most 2 s), or answers
 *   at once with `options.waitReturnsAtOnce`.
 * - A container that exits (the markers below) leaves entries in Cloud Logging (emulator/logging.ts):
 *   its `EMULATOR_LOG` lines, "Container called exit(1).", and for a service the failed startup probe
 *   (cloudrun/logs.ts), visible `options.logIngestionDelayMs` later.
 *
 * Emulator-only markers (not part of Cloud Run; put them in a container's `env`):
 * - `EMULATOR_FAIL=start`: the container fails to start. A service or worker-pool revision fails with
 *   revisionReason HEALTH_CHECK_CONTAINER_ERROR and Cloud Run's "The user-provided container failed to
 *   start and listen on the port defined provided by the PORT=8080 environment variable..." text; a
 *   job's tasks fail as with `task`.
 * - `EMULATOR_FAIL=task`: a job execution's tasks exit non-zero: the execution fails (executionReason
 *   NON_ZERO_EXIT_CODE, "Task <execution>-task0 failed with message: The container exited with an
 *   error."). Services and worker pools ignore it. Run overrides may set it for one execution.
 * - `EMULATOR_LOG=<lines>`: what a failing container prints before it exits (split on `\n`).
 */
export { CloudRunModel } from './cloudrun/model.js'
export { FAIL_MARKER } from './cloudrun/store.js'
export { LOG_MARKER } from './cloudrun/logs.js'
export { MAX_WAIT_MS } from './cloudrun/operations.js'
