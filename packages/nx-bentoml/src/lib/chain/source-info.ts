import { runCommand } from '../process/run-command';

/** Where the image's code came from: the OCI source and revision labels, and the branch for tag templates. */
export interface SourceInfo {
  revision?: string;
  url?: string;
  branch?: string;
}

/** The commit and remote of the workspace, when it is a git repository with them. */
export async function readSourceInfo(workspaceRoot: string): Promise<SourceInfo> {
  const git = async (args: string[]) => {
    const result = await runCommand('git', args, { cwd: workspaceRoot }).catch(() => undefined);
    return result?.exitCode === 0 && result.stdout.trim() ? result.stdout.trim() : undefined;
  };
  const [revision, url, branch] = await Promise.all([
    git(['rev-parse', 'HEAD']),
    git(['config', '--get', 'remote.origin.url']),
    git(['symbolic-ref', '--short', '-q', 'HEAD']),
  ]);
  // CI checkouts are often detached; their branch is in the environment.
  const ciBranch = process.env['GITHUB_HEAD_REF'] || process.env['GITHUB_REF_NAME'] || process.env['CI_COMMIT_REF_NAME'];
  return { revision, url: url ? redactUrl(url) : undefined, branch: branch ?? (ciBranch || undefined) };
}

/** A repository URL without credentials: "https://user:token@host/x.git" -> "https://host/x.git". */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)[^@/]+@/i, '$1');
}
