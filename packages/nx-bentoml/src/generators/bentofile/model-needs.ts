import { type Tree, joinPathFragments, logger } from '@nx/devkit';
import { join } from 'node:path';
import { notSearched } from '../../lib/bentoml/bento-contents';
import {
  type ModelPackage,
  type ReadModelArchives,
  type RecordedModel,
  frameworksCalled,
  modelPackages,
  parseModelYaml,
  storeModelYaml,
} from '../../lib/bentoml/model-frameworks';
import { type StoreModelReference, modelsOfService } from '../../lib/bentoml/service-models';
import { bentomlHome } from '../../lib/bentoml/store-lock';

/** Where a service's code and models are, and how to read its exported models. */
export interface ServiceFiles {
  projectRoot: string;
  buildDir: string;
  /** The service's local modules (collectModuleImports), relative to buildDir. */
  localFiles: string[];
  /** The project's interpreter, which reads the .bentomodel archives. */
  python: string;
  readModelArchives: ReadModelArchives;
}

/**
 * What the service's models need (model-frameworks.ts): each store model its modules name, read
 * from the project's exported model files (what bento-build imports), else from this machine's
 * BentoML store, and each `bentoml.<framework>` module its code calls.
 */
export async function modelsNeeds(tree: Tree, service: ServiceFiles): Promise<ModelPackage[]> {
  const sources = service.localFiles.map((file) => tree.read(joinPathFragments(service.buildDir, file), 'utf-8') ?? '');
  const frameworks = [...new Set(sources.flatMap((source) => frameworksCalled(source)))];
  const references = sources.flatMap((source) => modelsOfService(source).store);
  return modelPackages(await recordedModels(tree, service, references), frameworks);
}

async function recordedModels(tree: Tree, service: ServiceFiles, references: StoreModelReference[]): Promise<RecordedModel[]> {
  if (references.length === 0) return [];
  const archives = modelArchives(tree, service.projectRoot).map((path) => join(tree.root, path));
  let exported: RecordedModel[] = [];
  if (archives.length) {
    try {
      const texts = await service.readModelArchives(service.python, archives);
      exported = Object.values(texts).flatMap((text) => parseModelYaml(text) ?? []);
    } catch (error) {
      logger.warn(
        `nx-bentoml: cannot read the project's model files (${(error as Error).message}); looking for the models in the BentoML store only.`,
      );
    }
  }
  const home = bentomlHome(process.env);
  return references.flatMap((reference) => {
    const matches = (model: RecordedModel) =>
      model.name === reference.name && (reference.version === 'latest' || model.version === reference.version);
    const fromFile = exported.find(matches);
    if (fromFile) return [fromFile];
    const stored = storeModelYaml(home, reference.name, reference.version);
    const model = stored === undefined ? undefined : parseModelYaml(stored);
    return model ? [model] : [];
  });
}

/** The project's exported model files (*.bentomodel), outside the directories never searched. */
function modelArchives(tree: Tree, dir: string): string[] {
  return tree.children(dir).flatMap((name) => {
    const path = joinPathFragments(dir, name);
    if (tree.isFile(path)) return name.endsWith('.bentomodel') ? [path] : [];
    return notSearched.includes(name) ? [] : modelArchives(tree, path);
  });
}
