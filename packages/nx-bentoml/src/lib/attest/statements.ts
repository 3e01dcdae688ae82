import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BentoHandoff, GateHandoff } from '../chain/handoff-files';
import { type Statement, statement } from './envelope';
import type { LockedDistribution } from './bento-lock';

/**
 * The three statements attached to every pushed digest: what each one's predicate type is, and the
 * artifactType of its referrer, by which a registry lists one kind without reading the others.
 */
export const statementKinds = {
  sbom: { predicateType: 'https://cyclonedx.org/bom', artifactType: 'application/vnd.nx-bentoml.sbom.v1+dsse' },
  provenance: { predicateType: 'https://slsa.dev/provenance/v1', artifactType: 'application/vnd.nx-bentoml.provenance.v1+dsse' },
  gate: { predicateType: 'https://nx-bentoml.dev/smoke-test/v1', artifactType: 'application/vnd.nx-bentoml.smoke-test.v1+dsse' },
} as const;
export type StatementKind = keyof typeof statementKinds;

/** The referrer annotations that say a statement's predicate type and signing key without reading its envelope. */
export const predicateTypeAnnotation = 'in-toto.io/predicate-type';
export const keyIdAnnotation = 'dev.nx-bentoml.key-id';
/** On the gate's referrer, "passed" or "failed": versions shows it from the listing alone (verify checks the signed statement). */
export const gateAnnotation = 'dev.nx-bentoml.gate';

/** nx-bentoml's own version, as its package.json says: the builder of the provenance and the SBOM's tool. */
export const pluginVersion: string = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')).version;
export const builderId = `https://nx-bentoml.dev/builder/nx-bentoml@${pluginVersion}`;

/** What the statements describe, gathered by docker-push from the hand-offs, bento.tar and the engine. */
export interface ImageFacts {
  /** The repository as pushed ("127.0.0.1:5000/team/app") and the image manifest's digest. */
  repository: string;
  digest: string;
  project: string;
  bento: BentoHandoff;
  buildKey?: string;
  /** The Python distributions of the lock BentoML resolved, and the lock file (path in the Bento, sha256). */
  lock?: { file: string; sha256: string; distributions: LockedDistribution[] };
  /** The base image as the Bento names it, with its digest where the engine knows it. */
  baseImage?: { image: string; digest?: string };
  git?: { commit: string; url?: string; dirty: boolean };
}

/** CycloneDX 1.5: the Python distributions at their locked versions, the base image and each model with its digest. */
export function sbomStatement(facts: ImageFacts): Statement {
  const python = (facts.lock?.distributions ?? []).map(({ name, version }) => {
    const purl = `pkg:pypi/${name.toLowerCase().replace(/[-_.]+/g, '-')}@${version}`;
    return { type: 'library', 'bom-ref': purl, name, version, purl };
  });
  const base = facts.baseImage && {
    type: 'container',
    'bom-ref': `base-image:${facts.baseImage.image}`,
    name: facts.baseImage.image,
    ...(facts.baseImage.digest ? { hashes: [{ alg: 'SHA-256', content: facts.baseImage.digest.replace(/^sha256:/, '') }] } : {}),
  };
  const models = facts.bento.models.map((tag) => {
    const digest = facts.bento.modelDigests?.[tag];
    return {
      type: 'machine-learning-model',
      'bom-ref': `bentoml-model:${tag}`,
      name: tag,
      // The digest of the model's file list (bento-archive.ts modelDigest), not of one file: a property, not a hash.
      ...(digest ? { properties: [{ name: 'dev.nx-bentoml.model-digest', value: digest }] } : {}),
    };
  });
  const bom = {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: {
      tools: { components: [{ type: 'application', name: 'nx-bentoml', version: pluginVersion }] },
      component: { type: 'container', 'bom-ref': facts.repository, name: facts.repository, version: facts.bento.tag },
    },
    components: [...(base ? [base] : []), ...models, ...python],
  };
  return statement(facts.repository, facts.digest, statementKinds.sbom.predicateType, bom);
}

/** SLSA v1 provenance: the Bento's inputs (each file with its sha256), the lock, store models, Hugging Face commits and the commit. */
export function provenanceStatement(facts: ImageFacts): Statement {
  const inputs = facts.bento.inputs;
  const files = Object.entries(inputs?.files ?? {}).map(([name, sha256]) => ({ name, digest: { sha256 } }));
  const lock = facts.lock ? [{ name: facts.lock.file, digest: { sha256: facts.lock.sha256 }, annotations: { role: 'python-lock' } }] : [];
  const models = facts.bento.models.map((tag) => {
    const digest = facts.bento.modelDigests?.[tag];
    return {
      name: tag,
      uri: `bentoml-model:${tag}`,
      ...(digest ? { digest: { sha256: digest.replace(/^sha256:/, '') } } : {}),
      annotations: { role: 'bentoml-model' },
    };
  });
  const huggingFace = Object.entries(inputs?.huggingFaceCommits ?? {}).map(([model, commit]) => ({
    name: model,
    uri: `https://huggingface.co/${model.split('@')[0]}`,
    digest: { gitCommit: commit },
    annotations: { role: 'hugging-face-model' },
  }));
  const git = facts.git
    ? [
        {
          ...(facts.git.url ? { uri: `git+${facts.git.url}` } : { name: 'workspace' }),
          digest: { gitCommit: facts.git.commit },
          annotations: { role: 'source', dirty: facts.git.dirty },
        },
      ]
    : [];
  const predicate = {
    buildDefinition: {
      buildType: 'https://nx-bentoml.dev/bento-build/v1',
      externalParameters: { project: facts.project, bento: facts.bento.tag, ...(facts.buildKey ? { buildKey: facts.buildKey } : {}) },
      internalParameters: { bentomlVersion: facts.bento.bentomlVersion },
      resolvedDependencies: [...files, ...lock, ...models, ...huggingFace, ...git],
    },
    runDetails: { builder: { id: builderId, version: { 'nx-bentoml': pluginVersion } } },
  };
  return statement(facts.repository, facts.digest, statementKinds.provenance.predicateType, predicate);
}

/** The gate's result: each request, what it expected, what came back and whether it passed. */
export function gateStatement(facts: Pick<ImageFacts, 'repository' | 'digest'>, result: GateHandoff): Statement {
  return statement(facts.repository, facts.digest, statementKinds.gate.predicateType, {
    buildKey: result.buildKey,
    passed: result.passed,
    requests: result.requests,
  });
}
