import { redactUrl } from './docker/image-labels';
import type { SourceInfo } from './docker/image-labels';
import { runCommand } from './process/run-command';

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
