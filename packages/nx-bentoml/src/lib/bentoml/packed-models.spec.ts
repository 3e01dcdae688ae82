import { assertPacksProjectModels, packedModels, unhashedPackedModels } from './packed-models';

describe('packedModels', () => {
  it("lists the Bento's and its services' models once each", () => {
    const info = {
      name: 'classifier',
      version: 'nx1',
      models: [{ tag: 'iris:a' }],
      services: [{ models: [{ tag: 'iris:a' }, { tag: 'scaler:b' }] }],
    };
    expect(packedModels(info)).toEqual(['iris:a', 'scaler:b']);
  });
});

describe('assertPacksProjectModels', () => {
  it("accepts the project's model versions and models no file holds", () => {
    expect(() => assertPacksProjectModels('classifier:nx1', ['iris:a', 'other:z'], ['iris:a'], 'serve.py')).not.toThrow();
  });

  it('refuses another version of a model than the project file holds, and says how to fix it', () => {
    expect(() => assertPacksProjectModels('classifier:nx1', ['iris:new'], ['iris:old'], 'serve.py')).toThrow(
      "The Bento classifier:nx1 packs iris:new, but the project's model file holds iris:old: serve.py resolved iris from the BentoML store, " +
        'where another version is the latest. Remove it ("bentoml models delete iris:new") or pin iris:old in serve.py, then run again.',
    );
  });
});

describe('unhashedPackedModels', () => {
  const named = { store: [{ name: 'iris', version: 'latest' }], huggingFace: [{ repository: 'Org/Tiny', revision: 'main' }] };
  it('names the packed models that neither a project file nor a literal in the service stands for', () => {
    expect(unhashedPackedModels(['iris:v2', 'org--tiny:0a1b', 'encoder:v1', 'dynamic:v9'], ['encoder:v1'], named)).toEqual(['dynamic:v9']);
    expect(unhashedPackedModels(['iris:v2'], [], named)).toEqual([]);
  });
});
