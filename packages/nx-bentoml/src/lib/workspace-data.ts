import { join, resolve } from 'node:path';

/**
 * Nx's directory for plugin caches (`.nx/workspace-data` unless configured), which `nx reset`
 * empties. Read through the environment, as Nx does, so that no internal Nx module is imported.
 */
export function workspaceDataDirectory(workspaceRoot: string): string {
  const configured = process.env['NX_WORKSPACE_DATA_DIRECTORY'] ?? process.env['NX_PROJECT_GRAPH_CACHE_DIRECTORY'];
  return configured ? resolve(workspaceRoot, configured) : join(workspaceRoot, '.nx', 'workspace-data');
}

/** Where bento-build keeps the Python package locks BentoML resolved, one per set of requirements. */
export function pythonLockCache(workspaceRoot: string): string {
  return join(workspaceDataDirectory(workspaceRoot), 'nx-bentoml-python-locks');
}

/** Where containerize keeps the Python of each base image it asked, by image id. */
export function imagePythonCache(workspaceRoot: string): string {
  return join(workspaceDataDirectory(workspaceRoot), 'nx-bentoml-image-pythons');
}
