import { isAbsolute, join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import type { ProjectIdentity, WorkspaceImage } from '../../lib/chain/project-images';
import { readSourceInfo } from '../../lib/chain/source-info';
import containerizeSchema from '../containerize/schema.json';

/** This project as its images' labels name it (lib/chain/project-images.ts): its name and the workspace's git remote. */
export async function projectIdentity(context: ExecutorContext): Promise<ProjectIdentity> {
  const { url } = await readSourceInfo(context.root);
  const workspaceProjects = new Set(Object.keys(context.projectsConfigurations?.projects ?? {}));
  return { project: context.projectName!, ...(url ? { source: url } : {}), workspaceProjects };
}

/** Every other project's containerize target: the imageName it sets, and where its image.json lies. */
export function workspaceImages(context: ExecutorContext): WorkspaceImage[] {
  const projects = Object.entries(context.projectsConfigurations?.projects ?? {});
  return projects.flatMap(([project, config]) =>
    Object.values(config.targets ?? {})
      .filter((target) => project !== context.projectName && target.executor === 'nx-bentoml:containerize')
      .map((target) => {
        const path = (option: 'outputPath' | 'bentoPath') => {
          const value = String(target.options?.[option] ?? containerizeSchema.properties[option].default)
            .replace('{workspaceRoot}', context.root)
            .replace('{projectRoot}', config.root);
          return isAbsolute(value) ? value : join(context.root, value);
        };
        return {
          project,
          root: config.root,
          ...(typeof target.options?.imageName === 'string' ? { imageName: target.options.imageName } : {}),
          bentoDir: path('bentoPath'),
          imageDir: path('outputPath'),
        };
      }),
  );
}
