/** The part of a container inspection that says where its ports are published. */
export interface PortBindingsInfo {
  NetworkSettings?: { Ports?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> };
}

/** The host port the Engine bound for a container port, e.g. "3000/tcp"; read after start, as "" binds a free one then. */
export function publishedHostPort(container: PortBindingsInfo, containerPort: string): number {
  const port = Number(container.NetworkSettings?.Ports?.[containerPort]?.[0]?.HostPort);
  if (!Number.isInteger(port) || port <= 0)
    throw new Error(`The Docker Engine published no host port for the container port ${containerPort}.`);
  return port;
}
