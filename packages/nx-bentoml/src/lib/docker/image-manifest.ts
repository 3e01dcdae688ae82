import { join, relative } from 'node:path';
import { z } from 'zod';
import { readManifestFile, writeManifestFile } from '../manifest-file';

const imageManifestName = 'image.json';
const pushManifestName = 'push.json';

const imageManifestSchema = z.object({
  imageId: z.string(),
  imageName: z.string(),
  tags: z.array(z.string()),
  bentoTag: z.string(),
  built: z.boolean(),
});
export type ImageManifest = z.infer<typeof imageManifestSchema>;

const pushManifestSchema = z.object({
  imageName: z.string(),
  imageId: z.string(),
  imageSizeBytes: z.number(),
  pushed: z.array(
    z.object({
      registry: z.string(),
      reference: z.string(),
      tag: z.string(),
      digest: z.string(),
      status: z.enum(['pushed', 'up-to-date']),
    }),
  ),
});
export type PushManifest = z.infer<typeof pushManifestSchema>;

export function writeImageManifest(dir: string, manifest: ImageManifest) {
  writeManifestFile(join(dir, imageManifestName), manifest);
}

export function writePushManifest(dir: string, manifest: PushManifest) {
  writeManifestFile(join(dir, pushManifestName), manifest);
}

export function readImageManifest(dir: string, workspaceRoot: string): ImageManifest {
  return readManifest(dir, imageManifestName, imageManifestSchema, workspaceRoot, 'containerize');
}

export function readPushManifest(dir: string, workspaceRoot: string): PushManifest {
  return readManifest(dir, pushManifestName, pushManifestSchema, workspaceRoot, 'docker-push');
}

function readManifest<T extends z.ZodType>(dir: string, name: string, schema: T, workspaceRoot: string, target: string): z.output<T> {
  return readManifestFile(join(dir, name), schema, `No ${name} in ${relative(workspaceRoot, dir)}. Run the ${target} target first.`);
}
