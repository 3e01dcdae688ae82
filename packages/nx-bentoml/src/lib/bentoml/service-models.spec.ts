import { modelsNamedBy, modelsOfService } from './service-models';

describe('modelsOfService', () => {
  it('finds the store models a service names as BentoML 1.4 services and older ones do', () => {
    const source = [
      'import bentoml',
      'from bentoml.models import BentoModel, HuggingFaceModel',
      '',
      '@bentoml.service',
      'class Iris:',
      '    model = BentoModel("iris:latest")',
      "    other = bentoml.models.BentoModel('Other')",
      '    legacy = bentoml.models.get("legacy:v3")',
      '    def __init__(self):',
      '        self.clf = bentoml.sklearn.load_model(tag="iris:latest")',
      '        self.settings = {}.get("not-a-model")',
    ].join('\n');
    expect(modelsOfService(source).store).toEqual([
      { name: 'iris', version: 'latest' },
      { name: 'other', version: 'latest' },
      { name: 'legacy', version: 'v3' },
    ]);
  });

  it('finds Hugging Face models with their revision, BentoML\'s default "main" when none is given', () => {
    const source = [
      'a = HuggingFaceModel("org/tiny")',
      'b = bentoml.models.HuggingFaceModel("org/pinned", revision="0123abc")',
      'c = HuggingFaceModel(model_id="org/named", revision="v1.0")',
      'd = HuggingFaceModel("org/positional", "dev")',
    ].join('\n');
    expect(modelsOfService(source)).toEqual({
      store: [],
      huggingFace: [
        { repository: 'org/tiny', revision: 'main' },
        { repository: 'org/pinned', revision: '0123abc' },
        { repository: 'org/named', revision: 'v1.0' },
        { repository: 'org/positional', revision: 'dev' },
      ],
    });
  });

  it('ignores names computed at run time', () => {
    expect(modelsOfService('model = BentoModel(f"{NAME}:latest")\nx = BentoModel(name)')).toEqual({ store: [], huggingFace: [] });
  });

  it("adds the models the build config lists, BentoML's way of packing a model the code does not name", () => {
    const source = 'import bentoml\nm = bentoml.models.BentoModel("iris:latest")\n';
    expect(modelsNamedBy(source, { service: 'service:Svc', models: ['iris:latest', 'encoder', { tag: 'Tokenizer:v2' }] }).store).toEqual([
      { name: 'iris', version: 'latest' },
      { name: 'encoder', version: 'latest' },
      { name: 'tokenizer', version: 'v2' },
    ]);
  });

  it('ignores models named in comments and docstrings, not a "#" inside a string', () => {
    const source = [
      '"""Serves BentoModel("doc:v0") once trained."""',
      '# old = bentoml.models.BentoModel("old:v1")',
      'model = bentoml.models.BentoModel("iris:latest")  # was BentoModel("older:v0")',
      "other = BentoModel('tag#1')",
    ].join('\n');
    expect(modelsOfService(source).store).toEqual([
      { name: 'iris', version: 'latest' },
      { name: 'tag#1', version: 'latest' },
    ]);
  });
});
