import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tar from 'tar-stream';
import type { BentomlClient } from '../lib/bentoml/client';
import { assertSupportedBentoml } from '../lib/bentoml/supported-version';

/**
 * An in-memory BentoML: records calls, keeps a store of built tags, writes fake archives. Its
 * `bentomlVersion` is checked against the supported range as the real client checks it.
 */
export function fakeBentoml(overrides: Partial<BentomlClient> = {}, { bentomlVersion = '1.4.39' } = {}) {
  const calls: string[] = [];
  const store = new Set<string>();
  const client: BentomlClient = {
    version: async () => {
      assertSupportedBentoml(bentomlVersion, 'python3');
      return bentomlVersion;
    },
    importModel: async (file) => (calls.push(`import ${file}`), { tag: 'classifier_model:abc', state: 'imported' }),
    findBentoByVersion: async (version) => [...store].find((tag) => tag.endsWith(`:${version}`)),
    buildBento: async ({ modelFiles, version, exportTo }) => {
      const models = [];
      for (const file of modelFiles) models.push({ file, ...(await client.importModel(file)) });
      const existing = [...store].find((tag) => tag.endsWith(`:${version}`));
      const tag = existing ?? `classifier:${version}`;
      if (!existing) calls.push(`build ${version}`);
      store.add(tag);
      calls.push(`export ${tag}`);
      writeFileSync(exportTo, await tarOf({ ...fakeBentoFiles, ...fakeModelFiles }));
      const info = { name: 'classifier', version, services: [{ models: [{ tag: 'classifier_model:abc' }] }], models: [] };
      return { models, tag, built: !existing, lockReused: false, info };
    },
    buildContext: async ({ output, buildkit }) => {
      calls.push(`build context (${buildkit ? 'buildkit' : 'classic'})`);
      for (const [path, content] of Object.entries(fakeBuildContext(buildkit))) {
        mkdirSync(dirname(join(output, path)), { recursive: true });
        writeFileSync(join(output, path), content);
      }
      return { dockerfile: 'env/docker/Dockerfile', secrets: new Map(), modelBytesCopied: 0 };
    },
    serve: async ({ host, port }) => (calls.push(`serve ${host}:${port}`), 0),
    ...overrides,
  };
  return { client, calls, store };
}

/** The files of an exported Bento without its models, as bento-build keeps it. */
export const fakeBentoFiles: Record<string, string> = { 'bento.yaml': 'name: classifier\n', 'src/serve.py': 'import bentoml\n' };

/** The files of the one store model the fake Bentos pack, classifier_model:abc, as `bentoml export` lays them out. */
export const fakeModelFiles: Record<string, string> = {
  'models/classifier_model/abc/model.yaml': 'name: classifier_model\n',
  'models/classifier_model/abc/saved_model.pkl': 'weights',
  'models/classifier_model/latest': 'abc',
};

/** A tar archive of the files, as `bentoml export` writes one ("./" names). */
export async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name: `./${name}` }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The files of the build context BentoML writes for a Bento with one store model, in the form its generator gives them. */
export function fakeBuildContext(buildkit: boolean): Record<string, string> {
  return {
    'bento.yaml': 'name: classifier\n',
    'src/serve.py': 'import bentoml\n',
    'env/python/requirements.txt': 'scikit-learn\n',
    'env/docker/Dockerfile': [
      ...(buildkit ? ['', '# syntax = docker/dockerfile:1.2.1', ''] : []),
      'FROM python:3.11-slim AS base-container',
      'ARG BENTO_USER_UID=1034',
      'ARG BENTO_PATH=/home/bentoml/bento',
      'WORKDIR $BENTO_PATH',
      'COPY --chown=bentoml:bentoml ./env/python ./env/python/',
      `RUN ${buildkit ? '--mount=type=cache,target=/root/.cache/ ' : ''}uv pip install -r ./env/python/requirements.txt`,
      'COPY --chown=bentoml:bentoml . ./',
      'USER bentoml',
      '',
    ].join('\n'),
    ...fakeModelFiles,
  };
}
