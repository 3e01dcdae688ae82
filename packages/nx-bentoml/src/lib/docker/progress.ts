import type Docker from 'dockerode';

/** One JSON message of the Engine's build or push stream. */
export interface ProgressEvent {
  stream?: string;
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  /** An object (image id, pushed digest), or on a BuildKit build a base64 StatusResponse (id moby.buildkit.trace). */
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number } | string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
}

/** Follows a build or push stream to its end; an error message in the stream rejects. */
export function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onEvent: (event: ProgressEvent) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: ProgressEvent[]) => {
        if (error) return reject(error);
        const failure = events.find((event) => event.error || event.errorDetail);
        if (failure) return reject(new Error(failure.errorDetail?.message ?? failure.error));
        resolve();
      },
      onEvent,
    );
  });
}
