import type { DockerClient } from '../docker/client';
import { UserError } from '../errors';
import type { TagStep } from '../registry/push-plan';
import { toImageName } from '../names';
import { hasHandoff, readHandoff } from './handoff-files';
import { projectLabel, sourceLabel } from './image-labels';

/**
 * One image repository per project: an image's project label (and its git source, where both
 * images have one) says which project published it, so two projects that resolve to one
 * repository are refused before either moves the other's tags, and versions and promote see only
 * the project's own images. Images published before the label existed belong to no one: they are
 * never a reason to refuse.
 */

/** Who publishes an image: the Nx project, the workspace's git remote when it has one, and the workspace's projects now. */
export interface ProjectIdentity {
  project: string;
  source?: string;
  /** Every project of this workspace, to tell another project from this one's former name. */
  workspaceProjects?: ReadonlySet<string>;
}

/**
 * The other project an image's labels name, or undefined when the image is ours or names none.
 * Ours is this project's name, whatever the git remote says (a transferred repository, a fork, an
 * ssh alias keep publishing), and a name no project of this workspace has any more when the image
 * comes from this same repository (the project was renamed).
 */
export function otherProject(ours: ProjectIdentity, labels: Record<string, string>): ProjectIdentity | undefined {
  const project = labels[projectLabel];
  if (project === undefined || project === ours.project) return undefined;
  const source = labels[sourceLabel];
  const formerName =
    !!source &&
    !!ours.source &&
    repositoryOf(source) === repositoryOf(ours.source) &&
    !!ours.workspaceProjects &&
    !ours.workspaceProjects.has(project);
  return formerName ? undefined : { project, ...(source ? { source } : {}) };
}

/**
 * A git remote as the repository it names, whatever the protocol: a laptop's
 * "git@github.com:org/models.git" and CI's "https://github.com/org/models" are one workspace.
 */
export function repositoryOf(remote: string): string {
  return remote
    .trim()
    .replace(/^[a-z+]+:\/\//i, '')
    .replace(/^[^@/]+@/, '')
    .replace(/^([^/:]+):(?!\d+\/)/, '$1/')
    .replace(/^([^/:]+):\d+\//, '$1/')
    .replace(/\.git\/?$/, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

/** Whether an image with these labels may be listed, promoted or replaced by this project. */
export function ownedBy(ours: ProjectIdentity): (labels: Record<string, string>) => boolean {
  return (labels) => otherProject(ours, labels) === undefined;
}

/** Another project's claim on a repository, as the message names it. */
export interface OtherClaim extends ProjectIdentity {
  /** Its root in this workspace, when it is one of this workspace's projects. */
  root?: string;
}

/** The refusal, whichever check met it: both projects, the repository and the option that parts them. */
export function sharedRepositoryError(ours: ProjectIdentity, imageName: string, repository: string, other: OtherClaim): UserError {
  const where = other.root ? ` (${other.root})` : other.source && other.source !== ours.source ? ` of ${other.source}` : '';
  return new UserError(
    `The image repository ${repository} is also the image of project ${other.project}${where}: ` +
      `two projects cannot publish into one repository, each would move the other's tags. ` +
      `Set "imageName" in the containerize options of ${ours.project}'s project.json (e.g. "${toImageName(ours.project)}/${imageName}"), ` +
      `or of ${other.project}'s.`,
  );
}

/** Refuses a plan whose tags hold another project's image (rule 3's "foreign" steps), before any tag moves. */
export function assertNoOtherProject(ours: ProjectIdentity, imageName: string, repository: string, steps: TagStep[]): void {
  for (const step of steps) {
    const other = step.action === 'foreign' ? otherProject(ours, step.labels) : undefined;
    if (other) throw sharedRepositoryError(ours, imageName, repository, other);
  }
}

/** Another containerize target of this workspace: its explicit imageName option, and where its bento.json and image.json lie. */
export interface WorkspaceImage {
  project: string;
  root: string;
  imageName?: string;
  bentoDir?: string;
  imageDir: string;
}

/**
 * The image name another project of the workspace takes: its option, else the default its Bento's
 * name gives (bento.json, also restored from a remote cache on a fresh runner, and written before
 * either project's containerize in one run), else the one its last containerize recorded.
 */
function imageNameOf(other: WorkspaceImage, workspaceRoot: string): string | undefined {
  if (other.imageName) return other.imageName;
  try {
    if (other.bentoDir && hasHandoff('bento', other.bentoDir))
      return toImageName(readHandoff('bento', { dir: other.bentoDir, workspaceRoot, producer: 'bento-build' }).name);
    if (hasHandoff('image', other.imageDir))
      return readHandoff('image', { dir: other.imageDir, workspaceRoot, producer: 'containerize' }).imageName;
  } catch {
    // An unreadable hand-off of another project is its own task's problem.
  }
  return undefined;
}

/**
 * containerize's check, before it builds or tags: no other project of this workspace takes the
 * image name, and the engine holds none of the tags about to be set on another project's image.
 */
export async function assertOwnImageName(
  request: { ours: ProjectIdentity; imageName: string; tags: string[]; workspace: WorkspaceImage[]; workspaceRoot: string },
  docker: DockerClient,
): Promise<void> {
  const { ours, imageName } = request;
  const sibling = request.workspace.find(
    (other) => other.project !== ours.project && imageNameOf(other, request.workspaceRoot) === imageName,
  );
  if (sibling) throw sharedRepositoryError(ours, imageName, imageName, { project: sibling.project, root: sibling.root });
  for (const tag of request.tags) {
    const local = await docker.inspectImage(`${imageName}:${tag}`);
    const other = local && otherProject(ours, local.labels);
    if (other) throw sharedRepositoryError(ours, imageName, imageName, other);
  }
}

/** The images of a repository this project published (or that name no project), and the other projects found there. */
export function ownImages<T extends { image: { labels: Record<string, string> } }>(
  ours: ProjectIdentity,
  tagged: T[],
): { own: T[]; others: string[] } {
  const others = new Set<string>();
  const own = tagged.filter(({ image }) => {
    const other = otherProject(ours, image.labels);
    if (other) others.add(other.project);
    return !other;
  });
  return { own, others: [...others] };
}
