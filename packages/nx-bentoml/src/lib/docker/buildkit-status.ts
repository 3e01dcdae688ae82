/**
 * BuildKit's build progress, as the Engine sends it on a `version=2` build: JSON messages
 * `{"id": "moby.buildkit.trace", "aux": "<base64>"}` whose payload is BuildKit's StatusResponse
 * protobuf. Only what a build log needs is read: each step's name, whether it was cached, how
 * long it took, its error, and the output of its commands.
 *
 *   StatusResponse { repeated Vertex vertexes = 1; repeated VertexStatus statuses = 2; repeated VertexLog logs = 3; }
 *   Vertex { string digest = 1; string name = 3; bool cached = 4; Timestamp started = 5; Timestamp completed = 6; string error = 7; }
 *   Timestamp { int64 seconds = 1; int32 nanos = 2; }
 *   VertexLog { string vertex = 1; bytes msg = 4; }
 */
import { asShown } from './build-failure';
import { protobufFields as fields } from './protobuf';

export interface BuildkitStatus {
  vertexes: Array<{ digest: string; name: string; cached: boolean; completed: boolean; error?: string; seconds?: number }>;
  logs: Array<{ vertex: string; text: string }>;
}

export function decodeBuildkitStatus(base64: string): BuildkitStatus {
  const status: BuildkitStatus = { vertexes: [], logs: [] };
  for (const field of fields(Buffer.from(base64, 'base64'))) {
    if (field.number === 1 && field.bytes) {
      const vertex = { digest: '', name: '', cached: false, completed: false } as BuildkitStatus['vertexes'][number];
      let started: number | undefined;
      let completed: number | undefined;
      for (const part of fields(field.bytes)) {
        if (part.number === 1 && part.bytes) vertex.digest = part.bytes.toString('utf8');
        if (part.number === 3 && part.bytes) vertex.name = part.bytes.toString('utf8');
        if (part.number === 4) vertex.cached = part.varint === 1;
        if (part.number === 5 && part.bytes) started = timestampSeconds(part.bytes);
        if (part.number === 6 && part.bytes) completed = timestampSeconds(part.bytes);
        if (part.number === 7 && part.bytes) vertex.error = part.bytes.toString('utf8');
      }
      vertex.completed = completed !== undefined;
      if (started !== undefined && completed !== undefined) vertex.seconds = Math.max(0, completed - started);
      status.vertexes.push(vertex);
    } else if (field.number === 3 && field.bytes) {
      const log = { vertex: '', text: '' };
      for (const part of fields(field.bytes)) {
        if (part.number === 1 && part.bytes) log.vertex = part.bytes.toString('utf8');
        if (part.number === 4 && part.bytes) log.text = part.bytes.toString('utf8');
      }
      status.logs.push(log);
    }
  }
  return status;
}

function timestampSeconds(bytes: Buffer): number {
  let seconds = 0;
  let nanos = 0;
  for (const part of fields(bytes)) {
    if (part.number === 1) seconds = part.varint ?? 0;
    if (part.number === 2) nanos = part.varint ?? 0;
  }
  return seconds + nanos / 1e9;
}

/**
 * Turns the status messages of one build into log lines: each step once as it starts, its output
 * (whole lines: BuildKit sends a command's output in pieces cut anywhere), and whether it was
 * cached, how long it took (as `docker build` prints it: `#5 DONE 12.3s`) or that it failed.
 * `end` writes what is left of unfinished lines.
 */
export function buildkitLog(write: (line: string) => void) {
  const named = new Map<string, number>();
  const finished = new Set<string>();
  const pending = new Map<string, string>();
  const prefix = (vertex: string) => {
    const step = named.get(vertex);
    return step ? `#${step} ` : '';
  };
  const flush = (vertex: string) => {
    const rest = asShown(pending.get(vertex) ?? '');
    pending.delete(vertex);
    if (rest.trim()) write(`${prefix(vertex)}${rest}`);
  };
  return {
    push(status: BuildkitStatus) {
      for (const log of status.logs) {
        const lines = `${pending.get(log.vertex) ?? ''}${log.text}`.split(/\r?\n/);
        pending.set(log.vertex, lines.pop() ?? '');
        for (const line of lines.map(asShown).filter((text) => text.trim())) write(`${prefix(log.vertex)}${line}`);
      }
      for (const vertex of status.vertexes) {
        if (!named.has(vertex.digest) && vertex.name) {
          named.set(vertex.digest, named.size + 1);
          write(`#${named.size} ${vertex.name}`);
        }
        const step = named.get(vertex.digest);
        if (step && !finished.has(vertex.digest) && (vertex.cached || vertex.completed || vertex.error)) {
          finished.add(vertex.digest);
          flush(vertex.digest);
          if (vertex.cached) write(`#${step} CACHED`);
          else if (vertex.error) write(`#${step} ERROR: ${vertex.error}`);
          else if (vertex.seconds !== undefined) write(`#${step} DONE ${vertex.seconds.toFixed(1)}s`);
        }
      }
    },
    end() {
      for (const vertex of [...pending.keys()]) flush(vertex);
    },
  };
}
