import { join, relative } from 'node:path';
import { z } from 'zod';
import { readManifestFile, writeManifestFile } from '../manifest-file';

export const bentoArchiveName = 'bento.tar';
const bentoManifestName = 'bento.json';

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
  return readManifestFile(
    join(bentoDir, bentoManifestName),
    bentoManifestSchema,
    `No exported Bento in ${relative(workspaceRoot, bentoDir)}. Run the bento-build target first (publish and containerize do it for you).`,
  );
}

export function writeBentoManifest(bentoDir: string, manifest: BentoManifest): void {
  writeManifestFile(join(bentoDir, bentoManifestName), manifest);
}
