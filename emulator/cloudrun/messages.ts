/**
 * Cloud Run's error texts. Each one says where its wording comes from; "assumption" marks wording that
 * could not be checked against a real response. Tests and the action match on these strings, so change
 * them only with a source.
 */
import { GoogleApiError } from '../core.js'

/** google.rpc.Code numbers used in Operation.error. */
export const RPC_CODE = { NOT_FOUND: 5, PERMISSION_DENIED: 7, FAILED_PRECONDITION: 9, INTERNAL: 13 }

/**
 * Code of a failed Cloud Run deploy/run operation. Verified: Terraform renders the operation error as
 * "Error code 13, message: Google Cloud Run Service Agent ... must have permission to read the image"
 * for a job (terraform-google-modules/terraform-docs-samples#606) and as "Error code 13, message:
 * Revision '...' is not ready and cannot serve traffic. The user-provided container failed to start"
 * for a service (GoogleCloudPlatform/cymbal-superstore#6). REFERENCE.md's "Error code 13" is this code.
 */
export const FAILED_OPERATION_CODE = RPC_CODE.INTERNAL

/**
 * Verified shape (the brief and public reports of `gcloud run services describe` on a missing service):
 * `Resource 'ID' of kind 'SERVICE' in region 'L' in project 'P' does not exist.` The kind names for
 * jobs, worker pools, revisions, executions and operations follow the same pattern (assumption).
 */
export function notFound(
  id: string,
  kind: string,
  location: string,
  project: string
): GoogleApiError {
  return new GoogleApiError(
    'NOT_FOUND',
    `Resource '${id}' of kind '${kind}' in region '${location}' in project '${project}' does not exist.`
  )
}

/** Assumption (wording unverified): Cloud Run's ALREADY_EXISTS on create. */
export function alreadyExists(id: string): GoogleApiError {
  return new GoogleApiError('ALREADY_EXISTS', `Resource '${id}' already exists.`)
}

/**
 * Verified wording: `gcloud run deploy` reports "Permission 'iam.serviceaccounts.actAs' denied on service
 * account xxx-compute@developer.gserviceaccount.com (or it may not exist)." (googlecodelabs/feedback#751,
 * stefda/action-cloud-run#6); the v2 API spells the permission `iam.serviceAccounts.actAs`.
 */
export function actAsDenied(email: string): GoogleApiError {
  return new GoogleApiError(
    'PERMISSION_DENIED',
    `Permission 'iam.serviceAccounts.actAs' denied on service account ${email} (or it may not exist).`
  )
}

/** What a failed pull message names: the image as given, the projects, and the registry's answer. */
export interface PullFailureFacts {
  readonly image: string
  readonly imageProject: string | undefined
  readonly targetProject: string
  readonly manifestUrl: string
  readonly registryBody: string
}

const PULL_ADVICE =
  'Ensure that the provided container image URL is correct and that the above account has permission ' +
  'to access the image. If you just enabled the Cloud Run API, the permissions might take a few minutes ' +
  'to propagate.'
const OTHER_PROJECTS_DOC = 'See https://cloud.google.com/run/docs/deploying#other-projects'

/**
 * The service agent's failed pull, verbatim from REFERENCE.md (the seed article's error, also quoted in
 * terraform-google-modules/terraform-docs-samples#606 and blog.g-gen.co.jp). The live API separates
 * "Cause:", "GET ..." and the body with newlines (the g-gen Cloud Logging excerpt shows `\n`); the seed,
 * as a CLI printed it, has single spaces, and we keep the seed's form because that is what users quote.
 * Assumption: with image and target in the same project the "Note that ..." and "Permission must be
 * granted ... from this project." sentences are absent (only the cross-project form has been seen).
 */
export function servicePullDeniedText(agentEmail: string, facts: PullFailureFacts): string {
  return pullDeniedText(`Google Cloud Run Service Agent ${agentEmail}`, facts)
}

/**
 * The deployer's own read check (since 2025-01-15). Sources: Google's notice of 2024-11-26 tells
 * admins to look for "User does not have access to image" in audit logs (quoted in bcgov/entity#24573
 * and dev.classmethod.jp); blog.g-gen.co.jp/entry/permission-downloadartifacts-denied-403 shows the
 * logged message "User must have permission to read the image, IMAGE. Ensure ... Permission must be
 * granted to the User from this project. See ... Cause: 403 Forbidden GET ...". Assumption: the API
 * error is the audit-log sentence followed by that message; the exact concatenation is unverified.
 */
export function deployerImageDenied(image: string, facts: PullFailureFacts): GoogleApiError {
  return new GoogleApiError(
    'PERMISSION_DENIED',
    `User does not have access to image ${image}. ${pullDeniedText('User', facts)}`
  )
}

function pullDeniedText(who: string, facts: PullFailureFacts): string {
  const crossProject =
    facts.imageProject !== undefined && facts.imageProject !== facts.targetProject
      ? ` Note that the image is from project [${facts.imageProject}], which is not the same as this ` +
        `project [${facts.targetProject}]. Permission must be granted to the ${who} from this project.`
      : ''
  return (
    `${who} must have permission to read the image, ${facts.image}. ${PULL_ADVICE}${crossProject} ` +
    `${OTHER_PROJECTS_DOC} Cause: 403 Forbidden GET ${facts.manifestUrl} ${facts.registryBody}`
  )
}

/**
 * Verified: "Revision 'handle-it-server-00042-fow' is not ready and cannot serve traffic. Image
 * 'gcr.io/handleit-349522/handle-it-server:latest' not found." (google-github-actions/deploy-cloudrun#465).
 */
export const imageNotFoundText = (image: string): string => `Image '${image}' not found.`

/** Verified prefix of a service's failure: deploy-cloudrun#465 and cymbal-superstore#6 (see above). */
export const revisionNotReadyPrefix = (revision: string): string =>
  `Revision '${revision}' is not ready and cannot serve traffic. `

/**
 * Verified wording (googlecodelabs/feedback#1696, 2026; cymbal-superstore#6 for the Logs URL layout).
 */
export function containerFailedToStartText(
  project: string,
  service: string,
  revision: string,
  port: number
): string {
  const filter =
    `resource.type%3D%22cloud_run_revision%22%0Aresource.labels.service_name%3D%22${service}%22` +
    `%0Aresource.labels.revision_name%3D%22${revision}%22`
  const logs =
    `https://console.cloud.google.com/logs/viewer?project=${project}` +
    `&resource=cloud_run_revision/service_name/${service}/revision_name/${revision}&advancedFilter=${filter}`
  return (
    `The user-provided container failed to start and listen on the port defined provided by the ` +
    `PORT=${port} environment variable within the allocated timeout. This can happen when the container ` +
    `port is misconfigured or if the timeout is too short. The health check timeout can be extended. ` +
    `Logs for this revision might contain more information.\n\nLogs URL: ${logs}\nFor more ` +
    `troubleshooting guidance, see https://cloud.google.com/run/docs/troubleshooting#container-failed-to-start`
  )
}

/**
 * Assumption: a worker pool's instances do not listen on a port, so the service wording cannot apply;
 * the real text for a worker-pool container that exits at start is unverified.
 */
export const workerPoolContainerFailedText = (): string =>
  'The user-provided container failed to start. Logs for this revision might contain more information.'

/**
 * Verified wording: `gcloud run jobs execute` prints "Task migrate-vnttt-task0 failed with message: The
 * container exited with an error." (googlecodelabs/feedback#1369).
 */
export const taskFailedText = (task: string): string =>
  `Task ${task} failed with message: The container exited with an error.`

/** Google's JSON-binding error for an unknown body field (standard ESF wording). */
export function unknownField(field: string, bodyField: string): GoogleApiError {
  return new GoogleApiError(
    'INVALID_ARGUMENT',
    `Invalid JSON payload received. Unknown name "${field}" at '${bodyField}': Cannot find field.`
  )
}

/** Google's JSON-binding error for a query parameter the request message lacks (standard ESF wording). */
export function unknownQueryParameter(name: string): GoogleApiError {
  return new GoogleApiError(
    'INVALID_ARGUMENT',
    `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' ` +
      `could not be found in request message.`
  )
}

/**
 * Verified shape: "Violation in CreateServiceRequest.service.template: required field not present."
 * (googleapis/google-cloud-java#11101). Deeper paths such as `template.containers[0].image` follow the
 * same shape (assumption).
 */
export function requiredField(request: string, path: string): GoogleApiError {
  return new GoogleApiError(
    'INVALID_ARGUMENT',
    `Violation in ${request}.${path}: required field not present.`
  )
}

/**
 * Verified wording (v1 field path): "spec.template.spec.containers[0].image: Expected an image path like
 * [host/]repo-path[:tag and/or @digest], where host is one of [region.]gcr.io, [region-]docker.pkg.dev or
 * docker.io but obtained ghcr.io/..." (ko-build/terraform-provider-ko#205). The v2 field path is an
 * assumption.
 */
export function unsupportedImage(path: string, image: string): GoogleApiError {
  return new GoogleApiError(
    'INVALID_ARGUMENT',
    `${path}: Expected an image path like [host/]repo-path[:tag and/or @digest], where host is one of ` +
      `[region.]gcr.io, [region-]docker.pkg.dev or docker.io but obtained ${image}`
  )
}

/**
 * Status verified: AIP-154 requires ABORTED (HTTP 409) for an etag that does not match
 * (aip-dev/google.aip.dev#705, #837), and Cloud Run v2 follows the AIPs. The wording is an assumption.
 */
export function etagMismatch(name: string): GoogleApiError {
  return new GoogleApiError(
    'ABORTED',
    `The etag provided does not match the current etag of ${name}: it was modified since it was read. ` +
      `Read it again and retry the update.`
  )
}

/**
 * Verified wording and 409: "Revision named '<revision>' with different configuration already exists."
 * (googleapis/google-cloud-python#14259). The status name ALREADY_EXISTS is an assumption.
 */
export function revisionConflict(revision: string): GoogleApiError {
  return new GoogleApiError(
    'ALREADY_EXISTS',
    `Revision named '${revision}' with different configuration already exists.`
  )
}

/**
 * The id rules are the API's documented ones ("must begin with letter, and cannot end with hyphen; must
 * contain fewer than 50 characters", v2 CreateServiceRequest.service_id); the wording is an assumption.
 */
export function invalidId(idParam: string, id: string, maxLength: number): GoogleApiError {
  return new GoogleApiError(
    'INVALID_ARGUMENT',
    `Invalid ${idParam} '${id}': it must begin with a letter, contain only lowercase letters, digits and ` +
      `hyphens, not end with a hyphen, and contain at most ${maxLength} characters.`
  )
}

/** A request field Cloud Run refuses, and why: google.rpc.BadRequest.FieldViolation. */
export interface FieldViolation {
  /** The path from the resource, e.g. `template.containers[0].volumeMounts[0].name`. */
  readonly field: string
  readonly description: string
}

/**
 * A refused field as a 400. Verified shape (v1): Cloud Run answers INVALID_ARGUMENT with a
 * google.rpc.BadRequest detail holding `{field, description}` (terraform-provider-google#6491).
 * ASSUMPTION: v2 also puts the violation in the message as `<field>: <description>`, the form its image
 * check is reported in (ko-build/terraform-provider-ko#205, see unsupportedImage).
 */
export function fieldViolation(violation: FieldViolation): GoogleApiError {
  return new GoogleApiError('INVALID_ARGUMENT', `${violation.field}: ${violation.description}`, [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ ...violation }] }
  ])
}

/**
 * ASSUMPTION (wording): Knative Serving's route validation, which Cloud Run's API is modelled on, says
 * "Traffic targets sum to 90, want 100" (knative/serving pkg/apis/serving/v1 route_validation.go); a
 * Cloud Run response with this text has not been seen. The rule itself is documented (REFERENCE.md).
 */
export const trafficSumText = (sum: number): string => `Traffic targets sum to ${sum}, want 100`

/** ASSUMPTION: worker pools word the same rule for instance splits the same way. */
export const instanceSplitSumText = (sum: number): string =>
  `Instance splits sum to ${sum}, want 100`

/** ASSUMPTION (wording): Knative's route validation for a repeated tag (route_validation.go). */
export const duplicateTagText = (tag: string): string => `Multiple definitions for "${tag}"`

/** ASSUMPTION (wording): Knative's pod-spec validation (pkg/apis/serving/k8s_validation.go). */
export const noMatchingVolumeText = 'volumeMount has no matching volume'

/** ASSUMPTION (wording): Knative's pod-spec validation (pkg/apis/serving/k8s_validation.go). */
export const duplicateVolumeText = (name: string): string => `duplicate volume name "${name}"`

/**
 * Verified description (v1, field `metadata.name`): "The revision name must be prefixed by the name of
 * the enclosing Service or Configuration with a trailing -" (terraform-provider-google#6491; the same
 * text is quoted as a real API error in public Cloud Run clients). ASSUMPTION: v2 reports it on
 * `template.revision` with the same text.
 */
export const revisionPrefixText =
  'The revision name must be prefixed by the name of the enclosing Service or Configuration with a trailing -'

/**
 * Verified wording and delivery: a v2 service whose traffic names a revision that does not exist is
 * accepted, and its operation fails with "Error code 13, message: Revision 'cloudrun-srv-green' does not
 * exist or is deleted. Update all traffic to route to currently available revisions."
 * (terraform-google-modules/terraform-docs-samples#269; also google-github-actions/deploy-cloudrun#12).
 */
export const missingTrafficRevisionText = (revision: string): string =>
  `Revision '${revision}' does not exist or is deleted. Update all traffic to route to currently ` +
  `available revisions.`
