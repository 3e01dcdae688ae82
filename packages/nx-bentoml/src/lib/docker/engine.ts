import Docker from 'dockerode';
import { UserError } from '../errors';
import type { EngineAddress } from './engine-address';

/** One connection to the Docker Engine, and the wrapper that turns its failures into what the user should do. */
export interface Engine {
  docker: Docker;
  /** Where the engine is: its name in messages, the machine its containers publish their ports on. */
  address: EngineAddress;
  call: <T>(action: () => Promise<T>) => Promise<T>;
}

export function connectEngine(address: EngineAddress): Engine {
  const { description, connection } = address;
  const docker = new Docker(connection);
  return {
    docker,
    address,
    call: async (action) => {
      try {
        return await action();
      } catch (error) {
        throw engineError(error, description);
      }
    },
  };
}

/** The HTTP status of an Engine refusal, as docker-modem reports it. */
export function engineStatus(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** The engine's own message for a refused request (docker-modem keeps its JSON body), else the error's. */
export function engineMessage(error: unknown): string {
  return (error as { json?: { message?: string } }).json?.message ?? (error as Error).message;
}

function engineError(error: unknown, description: string): Error {
  if (error instanceof UserError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return new UserError(
      `Cannot reach the Docker Engine at ${description}: is it running? Start Docker (Docker Desktop, or "dockerd"), or set DOCKER_HOST.`,
    );
  }
  if (code === 'EACCES') {
    return new UserError(
      `Permission denied on the Docker socket ${description}. Add your user to the "docker" group (then log in again), or set DOCKER_HOST.`,
    );
  }
  const statusCode = engineStatus(error);
  return statusCode ? new UserError(`The Docker Engine answered ${statusCode}: ${engineMessage(error)}`) : (error as Error);
}
