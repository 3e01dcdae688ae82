import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors';

/**
 * The hand-off files: the small JSON file each target of the chain leaves in its output
 * directory for the next one (not to be confused with a registry's OCI manifests).
 *
 *   bento-build  -> bento.json (+ bento.tar)  -> containerize
 *   containerize -> image.json                -> docker-push, smoke-test
 *   smoke-test   -> gate.json                 -> docker-push (the gate's statement)
 *   docker-push  -> push.json                 -> publish
 *   plan         -> plan.json                 -> CI (the shards of a fleet publish)
 */

export const bentoArchiveName = 'bento.tar';

const bentoHandoffSchema = z.object({
  tag: z.string(),
  name: z.string(),
  version: z.string(),
  models: z.array(z.string()),
  /** The digest of each store model's files by tag (bento-archive.ts): bento.tar holds no models, containerize checks the store's against these. */
  modelDigests: z.record(z.string(), z.string()).optional(),
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
  /**
   * The image BentoML's Dockerfile starts from and the Python it asks uv for, as the Bento records
   * them after BentoML's defaults, with the build config (workspace path) that sets them. bento.json
   * files written before this field have none.
   */
  baseImage: z.object({ image: z.string(), pythonVersion: z.string(), buildConfig: z.string() }).optional(),
  /**
   * The inputs bento-key.ts hashed for this Bento: each file (workspace path) with its sha256, and
   * the Hugging Face commits its models resolved to; docker-push's provenance lists them.
   */
  inputs: z.object({ files: z.record(z.string(), z.string()), huggingFaceCommits: z.record(z.string(), z.string()).optional() }).optional(),
});
/** bento.json: the exported Bento, its models and the lineage of its model. */
export type BentoHandoff = z.input<typeof bentoHandoffSchema>;
export type BentoBaseImage = NonNullable<BentoHandoff['baseImage']>;

const imageHandoffSchema = z.object({
  imageId: z.string(),
  imageName: z.string(),
  tags: z.array(z.string()),
  bentoTag: z.string(),
  built: z.boolean(),
  /** The image's build key (image-labels.ts); files written before it have none. */
  buildKey: z.string().optional(),
  /**
   * Set when a target registry already held an image with this build key, so containerize built
   * and pulled nothing: the image is there, by digest, and not in the engine (imageId is its config
   * digest, the id the engine gives it once pulled). docker-push then writes tags in the registries alone.
   */
  registryImage: z
    .object({
      registry: z.string(),
      repository: z.string(),
      digest: z.string(),
      platform: z.string(),
      /** The bytes of its blobs as the registry stores them (compressed). */
      sizeBytes: z.number(),
    })
    .optional(),
});
/** image.json: the image built from the Bento (or found in a registry) and its tags. */
export type ImageHandoff = z.infer<typeof imageHandoffSchema>;

const gateHandoffSchema = z.object({
  /** The image tested: only a result whose build key is the pushed image's counts. */
  imageId: z.string(),
  buildKey: z.string().optional(),
  passed: z.boolean(),
  requests: z.array(z.object({ request: z.string(), expected: z.string(), answered: z.string(), passed: z.boolean() })),
});
/** gate.json: what smoke-test sent the image, what it expected, what came back. */
export type GateHandoff = z.infer<typeof gateHandoffSchema>;

const pushHandoffSchema = z.object({
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
/** push.json: every registry reference of the image and its digest. */
export type PushHandoff = z.infer<typeof pushHandoffSchema>;

/**
 * What publishing one service would do, as `plan` finds it before anything is built or pushed:
 * - build: no image with this build key in the engine or any target registry;
 * - push: the engine holds one (this machine built it) and a registry lacks it;
 * - tag: every registry tag can be written in the registries alone (an image with this build key is there);
 * - up-to-date: every tag in every registry already holds it.
 */
export const planActions = ['build', 'push', 'tag', 'up-to-date'] as const;
const planHandoffSchema = z.object({
  project: z.string(),
  imageName: z.string(),
  bentoTag: z.string(),
  buildKey: z.string(),
  action: z.enum(planActions),
  /** The bytes publishing is expected to upload: the image's for push, the Bento's and its models' for build (a lower bound), blobs copied between registries for tag. */
  pushBytes: z.number(),
  registries: z.array(
    z.object({
      registry: z.string(),
      repository: z.string(),
      tags: z.array(z.object({ tag: z.string(), action: z.enum(['keep', 'point', 'copy', 'push']) })),
    }),
  ),
});
/** plan.json: what publish would do for one project (planActions). */
export type PlanHandoff = z.infer<typeof planHandoffSchema>;

const handoffs = {
  bento: { file: 'bento.json', schema: bentoHandoffSchema, missing: 'No exported Bento' },
  image: { file: 'image.json', schema: imageHandoffSchema, missing: 'No image.json' },
  gate: { file: 'gate.json', schema: gateHandoffSchema, missing: 'No gate.json' },
  push: { file: 'push.json', schema: pushHandoffSchema, missing: 'No push.json' },
  plan: { file: 'plan.json', schema: planHandoffSchema, missing: 'No plan.json' },
};
type Kind = keyof typeof handoffs;
type Handoff<K extends Kind> = z.output<(typeof handoffs)[K]['schema']>;

/** Where a hand-off file is read: its directory, the workspace (for messages) and the target that writes it, as configured. */
export interface HandoffSource {
  dir: string;
  workspaceRoot: string;
  /** The name of the target that writes the file in this project, e.g. "bento-build". */
  producer: string;
}

export function writeHandoff<K extends Kind>(kind: K, dir: string, content: K extends 'bento' ? BentoHandoff : Handoff<K>): void {
  writeFileSync(join(dir, handoffs[kind].file), `${JSON.stringify(content, null, 2)}\n`);
}

/** Whether the producer has left this hand-off file in dir (read it with readHandoff). */
export function hasHandoff(kind: Kind, dir: string): boolean {
  return existsSync(join(dir, handoffs[kind].file));
}

/** Reads and validates one; a missing or invalid file says which target to run. */
export function readHandoff<K extends Kind>(kind: K, { dir, workspaceRoot, producer }: HandoffSource): Handoff<K> {
  const { file, schema, missing } = handoffs[kind];
  try {
    return schema.parse(JSON.parse(readFileSync(join(dir, file), 'utf8'))) as Handoff<K>;
  } catch {
    // The targets that depend on the producer run it first: only a target run on its own meets this.
    throw new UserError(`${missing} in ${relative(workspaceRoot, dir) || '.'}. Run the ${producer} target first.`);
  }
}
