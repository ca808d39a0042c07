/**
 * The exact grant that fixes a missing permission, as a gcloud command and as the Terraform resource
 * that makes the same binding. Pure: names in, text out.
 */
import type { Fix } from '../findings.js'

/** Terraform resource names must be identifiers; derive a stable one from the role. */
const tfName = (role: string) => role.replace(/^roles\//, '').replace(/[^A-Za-z0-9_]/g, '_')

/** Parses `projects/P/locations/L/repositories/R`. */
function repositoryParts(repository: string) {
  const match = /^projects\/([^/]+)\/locations\/([^/]+)\/repositories\/([^/]+)$/.exec(repository)
  if (!match) throw new Error(`not a repository name: ${repository}`)
  const [, project = '', location = '', id = ''] = match
  return { project, location, id }
}

export function repositoryGrant(repository: string, member: string, role: string): Fix {
  const { project, location, id } = repositoryParts(repository)
  return {
    gcloud:
      `gcloud artifacts repositories add-iam-policy-binding ${id} --project=${project} ` +
      `--location=${location} --member=${member} --role=${role}`,
    terraform: [
      `resource "google_artifact_registry_repository_iam_member" "${tfName(role)}" {`,
      `  project    = "${project}"`,
      `  location   = "${location}"`,
      `  repository = "${id}"`,
      `  role       = "${role}"`,
      `  member     = "${member}"`,
      '}'
    ].join('\n')
  }
}

export function projectGrant(project: string, member: string, role: string): Fix {
  return {
    gcloud: `gcloud projects add-iam-policy-binding ${project} --member=${member} --role=${role}`,
    terraform: [
      `resource "google_project_iam_member" "${tfName(role)}" {`,
      `  project = "${project}"`,
      `  role    = "${role}"`,
      `  member  = "${member}"`,
      '}'
    ].join('\n')
  }
}

/** `project`: the account's own project (for the default compute account, the target project). */
export function serviceAccountGrant(
  email: string,
  project: string,
  member: string,
  role: string
): Fix {
  return {
    gcloud:
      `gcloud iam service-accounts add-iam-policy-binding ${email} --project=${project} ` +
      `--member=${member} --role=${role}`,
    terraform: [
      `resource "google_service_account_iam_member" "${tfName(role)}" {`,
      `  service_account_id = "projects/${project}/serviceAccounts/${email}"`,
      `  role               = "${role}"`,
      `  member             = "${member}"`,
      '}'
    ].join('\n')
  }
}
