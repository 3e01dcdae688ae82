import type Docker from 'dockerode';
import { UserError } from '../errors';
import type { Engine } from './engine';
import { engineStatus } from './engine';
import { type ProgressEvent, followProgress } from './progress';

export interface ImageSummary {
  id: string;
  labels: Record<string, string>;
  repoTags: string[];
  /** "registry/name@sha256:..." for each repository the image was pushed to or pulled from. */
  repoDigests: string[];
  sizeBytes: number;
  /** "linux/amd64": an image built on another engine may have another. */
  platform: string;
}

/** Registry credentials as the Engine's push takes them (X-Registry-Auth). */
export interface PushCredentials {
  serveraddress: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export interface PushResult {
  digest: string;
  size?: number;
}

/** The images the Engine holds: inspect, find by label, tag, pull by digest and push to a registry. */
export function images({ docker, call }: Engine) {
  const summary = (image: Docker.ImageInspectInfo): ImageSummary => ({
    id: image.Id,
    labels: image.Config?.Labels ?? {},
    repoTags: image.RepoTags ?? [],
    repoDigests: image.RepoDigests ?? [],
    sizeBytes: image.Size,
    platform: `${image.Os}/${image.Architecture}`,
  });

  return {
    findImageByLabels: (labels: Record<string, string>) =>
      call(async () => {
        const filters = { label: Object.entries(labels).map(([label, value]) => `${label}=${value}`) };
        const [image] = await docker.listImages({ filters });
        return image ? summary(await docker.getImage(image.Id).inspect()) : undefined;
      }),

    inspectImage: (reference: string) =>
      call(async () => {
        try {
          return summary(await docker.getImage(reference).inspect());
        } catch (error) {
          if (engineStatus(error) === 404) return undefined;
          throw error;
        }
      }),

    tagImage: (imageId: string, repository: string, tag: string) =>
      call(async () => void (await docker.getImage(imageId).tag({ repo: repository, tag }))),

    pullImage: (reference: string, auth: PushCredentials | undefined, log: (line: string) => void) =>
      call(async () => {
        const stream = await docker.pull(reference, { authconfig: auth });
        const seen = new Set<string>();
        await followProgress(docker, stream, (event: ProgressEvent) => {
          const line = event.id && event.status ? `${event.id}: ${event.status}` : event.status;
          if (line && /^(Pull complete|Already exists|Digest|Status)/.test(event.status ?? '') && !seen.has(line)) {
            seen.add(line);
            log(line);
          }
        });
      }),

    pushImage: (repository: string, tag: string, auth: PushCredentials | undefined, log: (line: string) => void) =>
      call(async () => {
        const stream = await docker.getImage(`${repository}:${tag}`).push({ tag, authconfig: auth } as Docker.ImagePushOptions);
        let result: PushResult | undefined;
        const seen = new Set<string>();
        await followProgress(docker, stream, (event: ProgressEvent) => {
          if (typeof event.aux === 'object' && event.aux.Digest) result = { digest: event.aux.Digest, size: event.aux.Size };
          // One line per layer outcome, not per progress tick or queue state.
          const line = event.id && event.status ? `${event.id}: ${event.status}` : event.status;
          if (line && !/^(Preparing|Waiting|Pushing)$/.test(event.status ?? '') && !seen.has(line)) {
            seen.add(line);
            log(line);
          }
        });
        if (!result) throw new UserError(`The push of ${repository}:${tag} ended without a digest from the registry.`);
        return result;
      }),
  };
}
