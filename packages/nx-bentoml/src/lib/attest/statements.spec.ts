import type { ImageFacts } from './statements';
import { builderId, gateStatement, pluginVersion, provenanceStatement, sbomStatement } from './statements';

const facts: ImageFacts = {
  repository: '127.0.0.1:5000/classifier',
  digest: `sha256:${'cd'.repeat(32)}`,
  project: 'classifier',
  buildKey: 'key1',
  bento: {
    tag: 'classifier:v1',
    name: 'classifier',
    version: 'v1',
    models: ['iris:abc'],
    modelDigests: { 'iris:abc': `sha256:${'11'.repeat(32)}` },
    bentomlVersion: '1.4.39',
    archive: 'bento.tar',
    sizeBytes: 10,
    inputs: {
      files: { 'apps/classifier/src/service.py': 'aa', 'apps/classifier/params.yaml': 'bb' },
      huggingFaceCommits: { 'org/m@main': 'c0ffee' },
    },
  },
  lock: { file: 'env/python/requirements.lock.txt', sha256: 'ee', distributions: [{ name: 'Scikit_Learn', version: '1.9.1' }] },
  baseImage: { image: 'python:3.11-slim', digest: `sha256:${'99'.repeat(32)}` },
  git: { commit: 'f00d', url: 'https://example.com/repo.git', dirty: true },
};

describe('the statements of an image', () => {
  it('all name the pushed digest as their subject', () => {
    for (const made of [
      sbomStatement(facts),
      provenanceStatement(facts),
      gateStatement(facts, { imageId: 'i', passed: true, requests: [] }),
    ]) {
      expect(made.subject).toEqual([{ name: '127.0.0.1:5000/classifier', digest: { sha256: 'cd'.repeat(32) } }]);
    }
  });

  it('lists in the CycloneDX 1.5 SBOM each locked distribution, the base image by digest and each model with its digest', () => {
    const { predicateType, predicate } = sbomStatement(facts) as { predicateType: string; predicate: Record<string, unknown> };
    expect(predicateType).toBe('https://cyclonedx.org/bom');
    expect(predicate).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.5' });
    expect(predicate['components']).toEqual([
      {
        type: 'container',
        'bom-ref': 'base-image:python:3.11-slim',
        name: 'python:3.11-slim',
        hashes: [{ alg: 'SHA-256', content: '99'.repeat(32) }],
      },
      {
        type: 'machine-learning-model',
        'bom-ref': 'bentoml-model:iris:abc',
        name: 'iris:abc',
        properties: [{ name: 'dev.nx-bentoml.model-digest', value: `sha256:${'11'.repeat(32)}` }],
      },
      {
        type: 'library',
        'bom-ref': 'pkg:pypi/scikit-learn@1.9.1',
        name: 'Scikit_Learn',
        version: '1.9.1',
        purl: 'pkg:pypi/scikit-learn@1.9.1',
      },
    ]);
  });

  it("resolves in the SLSA provenance the Bento's input files, the lock, the models, the Hugging Face commits and the commit", () => {
    const { predicateType, predicate } = provenanceStatement(facts) as { predicateType: string; predicate: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(predicate.runDetails.builder).toEqual({ id: builderId, version: { 'nx-bentoml': pluginVersion } });
    expect(builderId).toMatch(/nx-bentoml@\d+\.\d+\.\d+/);
    expect(predicate.buildDefinition.resolvedDependencies).toEqual([
      { name: 'apps/classifier/src/service.py', digest: { sha256: 'aa' } },
      { name: 'apps/classifier/params.yaml', digest: { sha256: 'bb' } },
      { name: 'env/python/requirements.lock.txt', digest: { sha256: 'ee' }, annotations: { role: 'python-lock' } },
      { name: 'iris:abc', uri: 'bentoml-model:iris:abc', digest: { sha256: '11'.repeat(32) }, annotations: { role: 'bentoml-model' } },
      {
        name: 'org/m@main',
        uri: 'https://huggingface.co/org/m',
        digest: { gitCommit: 'c0ffee' },
        annotations: { role: 'hugging-face-model' },
      },
      { uri: 'git+https://example.com/repo.git', digest: { gitCommit: 'f00d' }, annotations: { role: 'source', dirty: true } },
    ]);
  });

  it("records the gate's requests under a predicate type of the project's own", () => {
    const requests = [{ request: 'POST /classify', expected: 'HTTP 2xx, exactly ["setosa"]', answered: '["setosa"]', passed: true }];
    const made = gateStatement(facts, { imageId: 'i', buildKey: 'key1', passed: true, requests });
    expect(made.predicateType).toMatch(/smoke-test/);
    expect(made.predicate).toEqual({ buildKey: 'key1', passed: true, requests });
  });
});
