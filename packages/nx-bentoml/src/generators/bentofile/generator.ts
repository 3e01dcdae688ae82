import { type GeneratorCallback, type Tree, formatFiles, joinPathFragments, readProjectConfiguration } from '@nx/devkit';
import { stringify } from 'yaml';
import { parseServiceReference, serviceReferencePattern } from '../../lib/bentoml/bentofile';
import { UserError } from '../../lib/errors';
import { bentofileName, buildDirCandidates } from '../../lib/project-layout';
import { defaultPythonVersion } from '../../lib/versions';
import { initGenerator } from '../init/generator';
import { detectServiceClass } from './detect-service';
import type { BentofileGeneratorSchema } from './schema';

export async function bentofileGenerator(tree: Tree, schema: BentofileGeneratorSchema): Promise<GeneratorCallback> {
  const projectRoot = readProject(tree, schema.project).root;
  const contextDir = joinPathFragments(projectRoot, schema.directory ?? defaultContextDir(tree, projectRoot));
  const bentofilePath = joinPathFragments(contextDir, bentofileName);
  if (tree.exists(bentofilePath) && !schema.force) {
    throw new UserError(`${bentofilePath} already exists. Edit it, or run again with --force to replace it.`);
  }

  const service = schema.service ?? detectService(tree, contextDir);
  if (!serviceReferencePattern.test(service)) {
    throw new UserError(`Invalid service "${service}": give it as <module>:<Class>, for example "serve:ClassifierService".`);
  }
  const serviceFile = parseServiceReference(service).file;
  if (!tree.exists(joinPathFragments(contextDir, serviceFile))) {
    throw new UserError(
      `The service module ${joinPathFragments(contextDir, serviceFile)} does not exist. Pass --directory or --service to point at it.`,
    );
  }

  const bentofile = {
    service,
    include: schema.include?.length ? schema.include : [serviceFile],
    ...(schema.pythonPackages?.length ? { python: { packages: schema.pythonPackages } } : {}),
    docker: {
      python_version: schema.pythonVersion ?? defaultPythonVersion,
      ...(schema.baseImage ? { base_image: schema.baseImage } : {}),
    },
  };
  tree.write(bentofilePath, stringify(bentofile, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }));

  await initGenerator(tree, { skipFormat: true });
  if (!schema.skipFormat) await formatFiles(tree);
  return () => undefined;
}

function readProject(tree: Tree, name: string) {
  try {
    return readProjectConfiguration(tree, name);
  } catch {
    throw new UserError(`Cannot find a project named "${name}". Run "nx show projects" to list them.`);
  }
}

/** The first build directory of the project layout that holds serve.py. */
function defaultContextDir(tree: Tree, projectRoot: string) {
  return buildDirCandidates.find((dir) => tree.exists(joinPathFragments(projectRoot, dir, 'serve.py'))) ?? '.';
}

function detectService(tree: Tree, contextDir: string) {
  const servePath = joinPathFragments(contextDir, 'serve.py');
  const source = tree.read(servePath, 'utf-8');
  if (source === null) {
    throw new UserError(`No ${servePath} to detect the service from. Pass --service=<module>:<Class> (and --directory if needed).`);
  }
  const className = detectServiceClass(source);
  if (!className) {
    throw new UserError(`No @bentoml.service class found in ${servePath}. Pass --service=serve:<Class>.`);
  }
  return `serve:${className}`;
}

export default bentofileGenerator;
