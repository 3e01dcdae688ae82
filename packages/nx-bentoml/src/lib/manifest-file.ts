import { readFileSync, writeFileSync } from 'node:fs';
import type { z } from 'zod';
import { UserError } from './errors';

/** The small JSON files one target leaves for the next (bento.json, image.json, push.json). */
export function writeManifestFile(file: string, manifest: object): void {
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Reads and validates one; a missing or invalid file is `missing`, which tells the user what to run. */
export function readManifestFile<T extends z.ZodType>(file: string, schema: T, missing: string): z.output<T> {
  try {
    return schema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    throw new UserError(missing);
  }
}
