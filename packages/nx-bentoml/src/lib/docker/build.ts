import type Docker from 'dockerode';
import { UserError } from '../errors';
import { buildFailure, buildTranscript } from './build-failure';
import { openBuildkitSession } from './buildkit-session';
import { buildkitLog, decodeBuildkitStatus } from './buildkit-status';
import { type GeneratedContextFile, contextArchive } from './context-archive';
import { type Engine, engineMessage, engineStatus } from './engine';
import { type ProgressEvent, followProgress } from './progress';

/** BuildKit (the Engine API's build version 2) or the classic builder (version 1). */
export type ImageBuilder = 'buildkit' | 'classic';

/** The engine refused a BuildKit build: it has no BuildKit, or it is turned off. */
export class BuildkitUnavailableError extends Error {
  override name = 'BuildkitUnavailableError';
}

export interface BuildOptions {
  dockerfile: string;
  tags: string[];
  labels: Record<string, string>;
  builder: ImageBuilder;
  /** BuildKit secrets by id (`RUN --mount=type=secret,id=...`), handed over a BuildKit session, never in the request. */
  secrets?: ReadonlyMap<string, Buffer>;
}

/** Image builds: the context uploaded as one tar stream, to BuildKit (over a session) or the classic builder. */
export function builds({ docker, call }: Engine) {
  return {
    buildImage: (context: { dir: string; generated?: GeneratedContextFile[] }, options: BuildOptions, log: (line: string) => void) =>
      call(async () => {
        const buildkit = options.builder === 'buildkit';
        const query = {
          dockerfile: options.dockerfile,
          t: options.tags,
          labels: options.labels,
          rm: true,
          forcerm: true,
          version: buildkit ? '2' : '1',
        };
        // dockerode's buildImage opens a session of its own for version 2, with no secrets: the request is made here.
        const session = buildkit ? await openBuildkitSession(docker, options.secrets ?? new Map()).catch(unavailable) : undefined;
        const archive = contextArchive(context.dir, context.generated);
        // A generated file that fails (a model changed since it was packed) ends the upload; its error says why, the engine's does not.
        let archiveError: Error | undefined;
        archive.on('error', (error) => (archiveError ??= error));
        try {
          let stream: NodeJS.ReadableStream;
          try {
            stream = await dialBuild(docker, archive, session ? { ...query, session: session.id } : query);
          } catch (error) {
            archive.destroy();
            if (archiveError) throw archiveError;
            throw buildkit ? unavailable(error) : error;
          }
          let imageId: string | undefined;
          const transcript = buildTranscript(log);
          const buildkitLines = buildkitLog((line) => transcript.push(`${line}\n`));
          await followProgress(docker, stream, (event: ProgressEvent) => {
            if (event.stream) transcript.push(event.stream);
            if (event.id === 'moby.buildkit.trace' && typeof event.aux === 'string') buildkitLines.push(decodeBuildkitStatus(event.aux));
            else if (event.aux && typeof event.aux === 'object' && event.aux.ID) imageId = event.aux.ID;
          }).catch((error: Error) => {
            buildkitLines.end();
            transcript.end();
            throw archiveError ?? buildFailure(error.message, transcript.lines);
          });
          buildkitLines.end();
          transcript.end();
          if (archiveError) throw archiveError;
          if (!imageId) throw new UserError('The Docker Engine finished the build without reporting an image id.');
          return imageId;
        } finally {
          // An upload the engine stopped reading (a reset connection) leaves the archive paused, a model file open.
          archive.destroy();
          session?.close();
        }
      }),
  };
}

/** POST /build with the context as the request body, as dockerode's buildImage does without its session. */
function dialBuild(docker: Docker, archive: NodeJS.ReadableStream, query: Record<string, unknown>): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) =>
    docker.modem.dial(
      { path: '/build?', method: 'POST', file: archive, options: query, isStream: true, statusCodes: { 200: true, 500: 'server error' } },
      (error, stream) => (error ? reject(error) : resolve(stream as NodeJS.ReadableStream)),
    ),
  );
}

/** An engine refusing BuildKit's session or build says so in its message (an old one has no /session at all); anything else is passed on. */
function unavailable(error: unknown): never {
  const message = engineMessage(error);
  if (/buildkit|builder version|session/i.test(message ?? '')) throw new BuildkitUnavailableError(message);
  if (engineStatus(error) === 404) throw new BuildkitUnavailableError(`no BuildKit session endpoint: ${message}`);
  throw error;
}
