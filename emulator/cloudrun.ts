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
 * - When the operation finishes, Cloud Run's service agent
 *   `service-<PROJECT_NUMBER>@serverless-robot-prod.iam.gserviceaccount.com` pulls every image, at that
 *   moment (so IAM propagation delay counts). A denied pull fails the revision with reason
 *   CONTAINER_PERMISSION_DENIED and Cloud Run's exact message; a missing image with CONTAINER_MISSING.
 * - Operations finish lazily whenever the model is touched (any Cloud Run route or getter); no timers.
 *
 * Emulator-only markers (not part of Cloud Run; put them in a container's `env`):
 * - `EMULATOR_FAIL=start`: the container fails to start. A service or worker-pool revision fails with
 *   revisionReason HEALTH_CHECK_CONTAINER_ERROR and Cloud Run's "The user-provided container failed to
 *   start and listen on the port defined provided by the PORT=8080 environment variable..." text; a
 *   job's tasks fail as with `task`.
 * - `EMULATOR_FAIL=task`: a job execution's tasks exit non-zero: the execution fails (executionReason
 *   NON_ZERO_EXIT_CODE, "Task <execution>-task0 failed with message: The container exited with an
 *   error."). Services and worker pools ignore it. Run overrides may set it for one execution.
 */
export { CloudRunModel } from './cloudrun/model.js'
export { FAIL_MARKER } from './cloudrun/store.js'
export { MAX_WAIT_MS } from './cloudrun/operations.js'
