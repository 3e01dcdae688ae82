import { writeFileSync } from 'node:fs';
import type { BentomlClient } from '../lib/bentoml/client';

/** An in-memory BentoML: records calls, keeps a store of built tags, writes fake archives. */
export function fakeBentoml(overrides: Partial<BentomlClient> = {}) {
  const calls: string[] = [];
  const store = new Set<string>();
  const client: BentomlClient = {
    version: async () => '1.4.39',
    importModel: async (file) => (calls.push(`import ${file}`), { tag: 'classifier_model:abc', state: 'imported' }),
    findBentoByVersion: async (version) => [...store].find((tag) => tag.endsWith(`:${version}`)),
    build: async ({ version }) => (calls.push(`build ${version}`), store.add(`classifier:${version}`), `classifier:${version}`),
    getBento: async (tag) => ({
      name: 'classifier',
      version: tag.split(':')[1],
      services: [{ models: [{ tag: 'classifier_model:abc' }] }],
      models: [],
    }),
    exportBento: async (tag, file) => (calls.push(`export ${tag}`), writeFileSync(file, 'tar')),
    importBento: async () => 'imported',
    serve: async ({ host, port }) => (calls.push(`serve ${host}:${port}`), 0),
    ...overrides,
  };
  return { client, calls, store };
}
