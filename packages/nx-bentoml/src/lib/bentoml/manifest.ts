import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors';

export const bentoArchiveName = 'bento.tar';
export const bentoManifestName = 'bento.json';

const bentoManifestSchema = z.object({
  tag: z.string(),
  name: z.string(),
  version: z.string(),
  models: z.array(z.string()),
  bentomlVersion: z.string(),
  archive: z.string(),
  sizeBytes: z.number(),
  lineage: z
    .object({
      params: z.object({ sha256: z.string(), values: z.record(z.string(), z.string()) }).optional(),
      metrics: z.record(z.string(), z.string()).optional(),
      dvc: z.record(z.string(), z.string()).optional(),
    })
    .default({}),
});
export type BentoManifest = z.input<typeof bentoManifestSchema>;

/** Reads what bento-build left in its output directory. */
export function readBentoManifest(bentoDir: string, workspaceRoot: string): BentoManifest {
  const file = join(bentoDir, bentoManifestName);
  try {
    return bentoManifestSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    throw new UserError(`No exported Bento in ${relative(workspaceRoot, bentoDir)}. Run the bento-build target first (publish and containerize do it for you).`);
  }
}
