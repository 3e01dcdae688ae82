import {
  type GeneratorCallback,
  type Tree,
  addProjectConfiguration,
  formatFiles,
  generateFiles,
  getProjects,
  joinPathFragments,
  normalizePath,
} from '@nx/devkit';
import { join } from 'node:path';
import { UserError } from '../../lib/errors';
import { assertTagTemplates } from '../../lib/tag-templates';
import { assertBentoName, assertImageName, toBentoName, toClassName } from '../../lib/names';
import { assertRegistry } from '../../lib/registry/reference';
import { bentomlVersion, defaultPythonVersion, scikitLearnVersion } from '../../lib/pinned-versions';
import { initGenerator } from '../init/generator';
import { readRegisteredOptions } from '../plugin-registration';
import type { ServiceGeneratorSchema } from './schema';

export async function serviceGenerator(tree: Tree, schema: ServiceGeneratorSchema): Promise<GeneratorCallback> {
  const options = normalizeOptions(tree, schema);
  await initGenerator(tree, { skipFormat: true });
  const targetNames = readRegisteredOptions(tree);

  addProjectConfiguration(tree, options.projectName, {
    root: options.projectRoot,
    sourceRoot: joinPathFragments(options.projectRoot, 'src'),
    projectType: 'application',
    // Only project-specific options; the targets themselves are inferred from src/bentofile.yaml.
    targets: {
      ...(options.imageName || options.tags
        ? { [targetNames.containerizeTargetName]: { options: { imageName: options.imageName, tags: options.tags } } }
        : {}),
      ...(options.registry ? { [targetNames.dockerPushTargetName]: { options: { registry: options.registry } } } : {}),
    },
    tags: ['bentoml'],
  });
  generateFiles(tree, join(__dirname, 'files'), options.projectRoot, { ...options, bentomlVersion, tmpl: '' });

  if (!schema.skipFormat) await formatFiles(tree);
  return () => undefined;
}

function normalizeOptions(tree: Tree, schema: ServiceGeneratorSchema) {
  const projectName = schema.name;
  if (!/^[a-zA-Z][a-zA-Z0-9_-]*$/.test(projectName)) {
    throw new UserError(`Invalid service name "${projectName}": start with a letter and use letters, digits, "-" and "_".`);
  }
  if (getProjects(tree).has(projectName)) {
    throw new UserError(
      `A project named "${projectName}" already exists. Choose another name, or add a bentofile to it with "nx g nx-bentoml:bentofile --project=${projectName}".`,
    );
  }
  const projectRoot = normalizePath(schema.directory?.trim() || joinPathFragments('apps', projectName)).replace(/^\.\/|\/$/g, '');
  if (tree.exists(projectRoot) && tree.children(projectRoot).length > 0) {
    throw new UserError(`The directory "${projectRoot}" already exists and is not empty. Choose another --directory.`);
  }
  const bentoName = toBentoName(projectName);
  const modelName = schema.modelName ?? `${bentoName}_model`;
  assertBentoName(modelName, 'modelName');
  const serviceClass = schema.serviceClass ?? `${toClassName(projectName)}Service`;
  if (!/^[A-Za-z_]\w*$/.test(serviceClass)) {
    throw new UserError(`Invalid serviceClass "${serviceClass}": it must be a Python class name such as "ClassifierService".`);
  }
  const pythonVersion = schema.pythonVersion ?? defaultPythonVersion;
  if (!/^3\.\d{1,2}$/.test(pythonVersion)) {
    throw new UserError(`Invalid pythonVersion "${pythonVersion}": give a major.minor version such as "3.11".`);
  }
  if (schema.imageName) assertImageName(schema.imageName);
  if (schema.tags) assertTagTemplates(schema.tags);
  if (schema.registry) assertRegistry(schema.registry);

  return {
    projectName,
    projectRoot,
    bentoName,
    modelName,
    serviceClass,
    pythonVersion,
    pythonPackages: schema.pythonPackages?.length ? schema.pythonPackages : [`scikit-learn==${scikitLearnVersion}`],
    baseImage: schema.baseImage ?? '',
    imageName: schema.imageName,
    tags: schema.tags,
    registry: schema.registry,
  };
}

export default serviceGenerator;
