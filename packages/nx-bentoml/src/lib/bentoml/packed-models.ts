import { UserError } from '../errors';
import type { BentoInfo } from './client';
import type { ServiceModels } from './service-models';

/** Every model tag a built Bento packs, its services' included, once each. */
export function packedModels(info: BentoInfo): string[] {
  return [...new Set([...info.models, ...info.services.flatMap((service) => service.models)].map((model) => model.tag))];
}

/**
 * The service usually asks for "<model>:latest", which BentoML resolves in its store, not from the
 * project's file: after checking out an older model the store may still hold a newer one.
 * A Bento that packs another version of a model than the project's file is refused.
 */
export function assertPacksProjectModels(bentoTag: string, packed: string[], fromFiles: string[], serviceModule: string): void {
  for (const packedTag of packed) {
    const [name] = packedTag.split(':');
    const expected = fromFiles.find((tag) => tag.split(':')[0] === name);
    if (expected && expected !== packedTag) {
      throw new UserError(
        `The Bento ${bentoTag} packs ${packedTag}, but the project's model file holds ${expected}: ${serviceModule} resolved ${name} from the BentoML store, ` +
          `where another version is the latest. Remove it ("bentoml models delete ${packedTag}") or pin ${expected} in ${serviceModule}, then run again.`,
      );
    }
  }
}

/**
 * The packed models nothing in the hash stands for: not from a project file, and not named
 * literally in the service module (a name computed at run time, or a model another module asks
 * for). Retraining one of them would not rebuild the Bento.
 */
export function unhashedPackedModels(packed: string[], fromFiles: string[], named: ServiceModels): string[] {
  const known = new Set([
    ...fromFiles.map((tag) => tag.split(':')[0]),
    ...named.store.map((model) => model.name),
    // BentoML names a Hugging Face model's entry after its id, "/" as "--".
    ...named.huggingFace.map((model) => model.repository.toLowerCase().replace('/', '--')),
  ]);
  return packed.filter((tag) => !known.has(tag.split(':')[0].toLowerCase()));
}
