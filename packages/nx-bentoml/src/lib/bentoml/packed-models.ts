import { UserError } from '../errors';
import type { BentoInfo } from './client';

/** Every model tag a built Bento packs, its services' included, once each. */
export function packedModels(info: BentoInfo): string[] {
  return [...new Set([...info.models, ...info.services.flatMap((service) => service.models)].map((model) => model.tag))];
}

/**
 * serve.py usually asks for "<model>:latest", which BentoML resolves in its store, not from the
 * project's file: after checking out an older model the store may still hold a newer one.
 * A Bento that packs another version of a model than the project's file is refused.
 */
export function assertPacksProjectModels(bentoTag: string, packed: string[], fromFiles: string[]): void {
  for (const packedTag of packed) {
    const [name] = packedTag.split(':');
    const expected = fromFiles.find((tag) => tag.split(':')[0] === name);
    if (expected && expected !== packedTag) {
      throw new UserError(
        `The Bento ${bentoTag} packs ${packedTag}, but the project's model file holds ${expected}: serve.py resolved ${name} from the BentoML store, ` +
          `where another version is the latest. Remove it ("bentoml models delete ${packedTag}") or pin ${expected} in serve.py, then run again.`,
      );
    }
  }
}
