import {
  type GeneratorCallback,
  type Tree,
  createProjectGraphAsync,
  formatFiles,
  joinPathFragments,
  logger,
  readProjectConfiguration,
} from '@nx/devkit';
import { isAbsolute, posix, relative } from 'node:path';
import { stringify } from 'yaml';
import { parseServiceReference, serviceReferencePattern } from '../../lib/bentoml/build-config-schema';
import { bentofileName } from '../../lib/bentoml/build-config';
import { UserError } from '../../lib/errors';
import { buildDirCandidates } from '../../lib/project-layout';
import { type ModelPackage, type ReadModelArchives, readModelArchives } from '../../lib/bentoml/model-frameworks';
import { type InspectPython, type PythonInspection, inspectPython } from '../../lib/python-distributions';
import { type BuildDirReader, collectModuleImports } from '../../lib/python-imports';
import { resolvePython } from '../../lib/python';
import {
  type DeclaredRequirement,
  parseRequirementsTxt,
  pyprojectDependencies,
  isTrainingOnly,
  requirementName,
  runtimePackages,
  withModelPackages,
} from '../../lib/runtime-packages';
import { defaultPythonVersion } from '../../lib/pinned-versions';
import { initGenerator } from '../init/generator';
import { detectServiceClass, serviceModuleCandidates } from './detect-service';
import { modelsNeeds } from './model-needs';
import { parsePyproject, withBuildTable } from './pyproject';
import type { BentofileGeneratorSchema } from './schema';

/** What the generator asks outside the tree; unit specs hand in fakes. */
export interface BentofileGeneratorDeps {
  /** The interpreter query: standard library, distributions and versions of the imported modules. */
  inspectPython: InspectPython;
  /** The model.yaml of the project's exported models (.bentomodel files), read by the interpreter. */
  readModelArchives: ReadModelArchives;
  /** The root of a project Nx knows only from its project graph (package.json, other plugins). */
  findProjectRoot(name: string): Promise<string | undefined>;
}

export const defaultDeps: BentofileGeneratorDeps = {
  inspectPython,
  readModelArchives,
  async findProjectRoot(name) {
    const graph = await createProjectGraphAsync({ exitOnError: false });
    return graph.nodes[name]?.data.root;
  },
};

const pyprojectName = 'pyproject.toml';

export async function bentofileGenerator(
  tree: Tree,
  schema: BentofileGeneratorSchema,
  deps: BentofileGeneratorDeps = defaultDeps,
): Promise<GeneratorCallback> {
  const format = schema.format ?? 'bentofile';
  const { projectRoot, buildDir } = await locate(tree, schema, deps);
  const bentofilePath = joinPathFragments(buildDir, bentofileName);
  const pyprojectPath = joinPathFragments(buildDir, pyprojectName);
  if (format === 'bentofile' && tree.exists(bentofilePath) && !schema.force) {
    throw new UserError(`${bentofilePath} already exists. Edit it, or run again with --force to replace it.`);
  }
  if (format === 'pyproject' && tree.exists(bentofilePath)) {
    throw new UserError(
      `${bentofilePath} exists, and BentoML reads it before ${pyprojectName}. Edit it, or delete it and run again with --format=pyproject.`,
    );
  }
  const pyprojectText = tree.read(pyprojectPath, 'utf-8');
  const pyproject = pyprojectText === null ? undefined : parsePyproject(pyprojectText, pyprojectPath);

  const service = schema.service ?? detectService(tree, buildDir);
  if (!serviceReferencePattern.test(service)) {
    throw new UserError(`Invalid service "${service}": give it as <module>:<Class>, for example "serve:ClassifierService".`);
  }
  const serviceFile = parseServiceReference(service).file;
  if (!tree.exists(joinPathFragments(buildDir, serviceFile))) {
    throw new UserError(
      `The service module ${joinPathFragments(buildDir, serviceFile)} does not exist. Pass --directory or --service to point at it.`,
    );
  }

  const { localFiles, external } = collectModuleImports(treeReader(tree, buildDir), serviceFile);
  const python = resolvePython(schema.python, projectRoot, tree.root);
  const modelNeeds = schema.pythonPackages?.length
    ? []
    : await modelsNeeds(tree, { projectRoot, buildDir, localFiles, python, readModelArchives: deps.readModelArchives });
  const inspection = await inspect(tree, schema, projectRoot, [...external, ...modelNeeds.map((need) => need.module)], deps);
  const requirements = declaredRequirements(tree, projectRoot, buildDir);
  // BentoML adds a pyproject's [project].dependencies to python.packages itself.
  const ownDependencies = format === 'pyproject' && pyproject ? pyprojectDependencies(pyproject, pyprojectPath) : [];
  const packages = schema.pythonPackages?.length
    ? schema.pythonPackages
    : detectPackages(serviceFile, external, inspection, requirements, ownDependencies, modelNeeds);

  const config = {
    service,
    include: schema.include?.length ? schema.include : localFiles,
    ...(packages.length ? { python: { packages } } : {}),
    docker: {
      python_version: schema.pythonVersion ?? inspection?.pythonVersion ?? defaultPythonVersion,
      ...(schema.baseImage ? { base_image: schema.baseImage } : {}),
    },
  };
  if (format === 'pyproject') {
    tree.write(pyprojectPath, withBuildTable(pyprojectText, pyprojectPath, config, schema.force ?? false));
  } else {
    tree.write(bentofilePath, stringify(config, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }));
  }

  await initGenerator(tree, { skipFormat: true });
  if (!schema.skipFormat) await formatFiles(tree);
  return () => undefined;
}

/** The project root (for the interpreter and requirements lookup) and the build directory. */
async function locate(tree: Tree, schema: BentofileGeneratorSchema, deps: BentofileGeneratorDeps) {
  if (schema.project) {
    const projectRoot = await findProjectRoot(tree, schema.project, deps);
    const buildDir = schema.directory ? joinPathFragments(projectRoot, schema.directory) : defaultBuildDir(tree, projectRoot);
    return { projectRoot, buildDir };
  }
  if (!schema.directory) {
    throw new UserError(
      'Pass --project=<name> (a project "nx show projects" lists) or --directory=<path> (the service directory, relative to the workspace root).',
    );
  }
  const directory = posix.normalize(
    (isAbsolute(schema.directory) ? relative(tree.root, schema.directory) : schema.directory).split('\\').join('/'),
  );
  if (directory.startsWith('..') || isAbsolute(directory)) {
    throw new UserError(`--directory=${schema.directory} is outside the workspace: give a directory inside ${tree.root}.`);
  }
  if (!tree.exists(directory) || tree.isFile(directory)) {
    throw new UserError(`The directory ${directory} does not exist. --directory is relative to the workspace root (${tree.root}).`);
  }
  return { projectRoot: directory, buildDir: defaultBuildDir(tree, directory) };
}

async function findProjectRoot(tree: Tree, name: string, deps: BentofileGeneratorDeps): Promise<string> {
  try {
    return readProjectConfiguration(tree, name).root;
  } catch {
    // Not a project.json project: inferred from a package.json or another plugin.
  }
  let root: string | undefined;
  try {
    root = await deps.findProjectRoot(name);
  } catch (error) {
    throw new UserError(`Cannot find a project named "${name}": the project graph failed: ${(error as Error).message}`);
  }
  if (root === undefined) throw new UserError(`Cannot find a project named "${name}". Run "nx show projects" to list them.`);
  return root;
}

/** The first build directory of the project layout that holds a service module, else the root. */
function defaultBuildDir(tree: Tree, root: string) {
  const dir = buildDirCandidates.find((candidate) => serviceModules(tree, joinPathFragments(root, candidate)).length > 0) ?? '.';
  return joinPathFragments(root, dir);
}

/** serve.py and service.py where they exist, then the other top-level modules with a service class. */
function serviceModules(tree: Tree, dir: string): string[] {
  if (!tree.exists(dir) || tree.isFile(dir)) return [];
  const candidates = serviceModuleCandidates.filter((name) => tree.isFile(joinPathFragments(dir, name)));
  const others = tree
    .children(dir)
    .filter((name) => name.endsWith('.py') && !candidates.includes(name) && tree.isFile(joinPathFragments(dir, name)))
    .sort()
    .filter((name) => detectServiceClass(tree.read(joinPathFragments(dir, name), 'utf-8') ?? '') !== undefined);
  return [...candidates, ...others];
}

function detectService(tree: Tree, buildDir: string) {
  const modules = serviceModules(tree, buildDir);
  for (const module of modules) {
    const className = detectServiceClass(tree.read(joinPathFragments(buildDir, module), 'utf-8') ?? '');
    if (className) return `${module.replace(/\.py$/, '')}:${className}`;
  }
  if (modules.length > 0) {
    throw new UserError(
      `No @bentoml.service class found in ${joinPathFragments(buildDir, modules[0])}. Pass --service=${modules[0].replace(/\.py$/, '')}:<Class>.`,
    );
  }
  throw new UserError(
    `No ${serviceModuleCandidates.join(' or ')} in ${buildDir} to detect the service from. Pass --service=<module>:<Class> (and --directory if needed).`,
  );
}

function treeReader(tree: Tree, buildDir: string): BuildDirReader {
  const at = (path: string) => joinPathFragments(buildDir, path);
  return {
    read: (path) => tree.read(at(path), 'utf-8'),
    isFile: (path) => tree.isFile(at(path)),
    isDirectory: (path) => tree.exists(at(path)) && !tree.isFile(at(path)),
  };
}

/** The interpreter's answer, or undefined (with a warning) when it cannot give one. */
async function inspect(
  tree: Tree,
  schema: BentofileGeneratorSchema,
  projectRoot: string,
  external: string[],
  deps: BentofileGeneratorDeps,
): Promise<PythonInspection | undefined> {
  if (schema.pythonVersion && schema.pythonPackages?.length) return undefined;
  const python = resolvePython(schema.python, projectRoot, tree.root);
  try {
    return await deps.inspectPython(python, external);
  } catch (error) {
    logger.warn(
      `nx-bentoml: cannot ask ${python} which distributions provide the service's imports (${(error as Error).message}). ` +
        `python.packages comes from the declared requirements only and docker.python_version is ${schema.pythonVersion ?? defaultPythonVersion}; ` +
        'pass --python=<interpreter with the service installed> to use another one.',
    );
    return undefined;
  }
}

/**
 * The project's declared requirements, the first declaration of a name winning: requirements.txt
 * in the build directory, then at the project root, then pyproject.toml's [project].dependencies
 * in both, then the other requirements*.txt files (requirements-serve.txt, …) in name order.
 */
function declaredRequirements(tree: Tree, projectRoot: string, buildDir: string): DeclaredRequirement[] {
  const dirs = [...new Set([buildDir, projectRoot])];
  const requirementFiles = (dir: string) =>
    tree.exists(dir) && !tree.isFile(dir) ? tree.children(dir).filter((name) => /^requirements.*\.txt$/.test(name)) : [];
  const fromTxt = (path: string) => parseRequirementsTxt(tree.read(path, 'utf-8') ?? '', path);
  const fromPyproject = (dir: string) => {
    const path = joinPathFragments(dir, pyprojectName);
    const text = tree.read(path, 'utf-8');
    return text === null ? [] : pyprojectDependencies(parsePyproject(text, path), path);
  };
  return [
    ...dirs.flatMap((dir) =>
      requirementFiles(dir).includes('requirements.txt') ? fromTxt(joinPathFragments(dir, 'requirements.txt')) : [],
    ),
    ...dirs.flatMap(fromPyproject),
    ...dirs.flatMap((dir) =>
      requirementFiles(dir)
        .filter((name) => name !== 'requirements.txt')
        .sort()
        .flatMap((name) => fromTxt(joinPathFragments(dir, name))),
    ),
  ];
}

function detectPackages(
  serviceFile: string,
  external: string[],
  inspection: PythonInspection | undefined,
  requirements: DeclaredRequirement[],
  ownDependencies: DeclaredRequirement[],
  modelNeeds: ModelPackage[],
): string[] {
  const found = runtimePackages(external, inspection, requirements);
  const withModels = withModelPackages(found.packages, modelNeeds, inspection, requirements);
  for (const need of modelNeeds) {
    const entry = withModels.find((candidate) => requirementName(candidate) === need.name);
    if (!found.packages.some((candidate) => requirementName(candidate) === need.name)) {
      logger.info(`nx-bentoml: added ${entry} for ${need.reason}, which ${serviceFile} loads without importing ${need.module}.`);
    }
    const declared = requirements.find((requirement) => requirement.name === need.name);
    if (declared && need.version && !new RegExp(`==\\s*${need.version.replace(/\./g, '\\.')}\\s*$`).test(declared.text)) {
      logger.warn(
        `nx-bentoml: ${declared.source} declares "${declared.text}", but ${need.reason} was saved with ${need.name} ${need.version}: ` +
          'the declaration is kept; make sure the model loads with it.',
      );
    }
  }
  for (const module of found.unmapped) {
    logger.warn(
      `nx-bentoml: no installed distribution provides "${module}" (imported by ${serviceFile} or its local modules): ` +
        'install the service into the project interpreter and run again, or add the package with --pythonPackages.',
    );
  }
  // A model that needs a training tool (a bentoml.mlflow model needs mlflow) keeps it.
  const training = found.leftOut
    .filter(({ name, reason }) => reason === 'training only' && !modelNeeds.some((need) => need.name === name))
    .map(({ name }) => name);
  if (training.length) logger.info(`nx-bentoml: left out training-only packages: ${training.join(', ')}.`);
  for (const dependency of ownDependencies) {
    if (isTrainingOnly(dependency.name)) {
      logger.warn(
        `nx-bentoml: ${dependency.source} lists "${dependency.text}" in [project].dependencies, which BentoML installs into the image too; ` +
          'move it to [project.optional-dependencies] if the service does not need it.',
      );
    }
  }
  const own = new Set(ownDependencies.map(({ name }) => name));
  const packages = withModels.filter((entry) => !own.has(requirementName(entry)));
  if (withModels.length === 0) {
    logger.warn(
      `nx-bentoml: found no python packages the service imports (${serviceFile} and its local modules); ` +
        'the image will have only BentoML. Add packages with --pythonPackages if the service needs more.',
    );
  }
  return packages;
}

export default bentofileGenerator;
