import { parseBentofile, parsePyprojectBuildConfig, parseServiceReference } from './build-config-schema';

const valid = `service: 'serve:ClassifierService'
include:
  - serve.py
python:
  packages:
    - scikit-learn==1.5.2
docker:
  python_version: "3.11"
  base_image: python:3.11-slim
`;

describe('parseBentofile', () => {
  it('reads the options the plugin uses', () => {
    const bentofile = parseBentofile(valid, 'apps/c/src/bentofile.yaml');
    expect(bentofile.service).toBe('serve:ClassifierService');
    expect(bentofile.include).toEqual(['serve.py']);
    expect(bentofile.python?.packages).toEqual(['scikit-learn==1.5.2']);
    expect(bentofile.docker?.python_version).toBe('3.11');
  });

  it('accepts an unquoted numeric python_version as a string', () => {
    expect(parseBentofile('service: serve:S\ndocker:\n  python_version: 3.12\n', 'b.yaml').docker?.python_version).toBe('3.12');
  });

  it('names file, line and column of a YAML syntax error', () => {
    expect(() => parseBentofile('service: serve:S\ninclude:\n  - serve.py\n  bad: [\n', 'apps/c/src/bentofile.yaml')).toThrow(
      /^apps\/c\/src\/bentofile\.yaml:4:\d+: invalid YAML/,
    );
  });

  it('names the line of an unknown key', () => {
    expect(() => parseBentofile('service: serve:S\nincludes:\n  - serve.py\n', 'b.yaml')).toThrow('b.yaml:2:1: unknown key "includes"');
  });

  it('accepts every service string BentoML accepts, and none', () => {
    for (const service of ['serve', 'serve:S', 'service.py:IrisClassifier', './api/service.py', 'pkg.module:Svc', 'svc:Api.model']) {
      expect(parseBentofile(`service: "${service}"\n`, 'b.yaml').service).toBe(service);
    }
    expect(parseBentofile('include: [serve.py]\n', 'b.yaml').service).toBe('');
  });

  it('rejects a service string BentoML cannot read, at its line', () => {
    expect(() => parseBentofile('include: [serve.py]\nservice: "serve:S:T"\n', 'b.yaml')).toThrow(
      /^b\.yaml:2:10: "service" must be "<module or file\.py>\[:<ServiceClass>\]"/,
    );
  });

  it('rejects an include that is not a list', () => {
    expect(() => parseBentofile('service: serve:S\ninclude: serve.py\n', 'b.yaml')).toThrow(/^b\.yaml:2:10: "include"/);
  });
});

describe('parseServiceReference', () => {
  it('maps a dotted module to its file or package', () => {
    expect(parseServiceReference('service.api:Svc')).toEqual({
      files: ['service/api.py', 'service/api/__init__.py'],
      file: 'service/api.py',
      className: 'Svc',
    });
  });

  it('reads a file path, a dependency path and no service as BentoML does', () => {
    expect(parseServiceReference('service.py:IrisClassifier')).toEqual({
      files: ['service.py'],
      file: 'service.py',
      className: 'IrisClassifier',
    });
    expect(parseServiceReference('./api/service.py')).toEqual({ files: ['api/service.py'], file: 'api/service.py', className: undefined });
    expect(parseServiceReference('svc:Api.model').className).toBe('Api');
    expect(parseServiceReference('').files).toEqual(['service.py']);
  });
});

describe('parsePyprojectBuildConfig', () => {
  const pyproject = `[project]
name = "iris-classifier"
dependencies = ["scikit-learn==1.9.1", "pandas"]

[tool.bentoml.build]
service = "service:IrisClassifier"
include = ["*.py"]

[tool.bentoml.build.python]
packages = ["numpy"]
`;

  it('reads [tool.bentoml.build] with the name and dependencies of [project], as BentoML does', () => {
    const config = parsePyprojectBuildConfig(pyproject, 'p/pyproject.toml');
    expect(config).toMatchObject({ service: 'service:IrisClassifier', name: 'iris-classifier', include: ['*.py'] });
    expect(config.python?.packages).toEqual(['numpy', 'scikit-learn==1.9.1', 'pandas']);
  });

  it('names the line of an unknown key in the table', () => {
    expect(() => parsePyprojectBuildConfig(`${pyproject}\n[tool.bentoml.build.docker]\ndistro = "debian"\n`, 'p.toml')).not.toThrow();
    expect(() => parsePyprojectBuildConfig(pyproject.replace('include =', 'includes ='), 'p/pyproject.toml')).toThrow(
      'p/pyproject.toml:7:1: unknown key "includes" in [tool.bentoml.build]; BentoML accepts only its documented build options.',
    );
  });

  it('names the line of a value of the wrong type', () => {
    expect(() => parsePyprojectBuildConfig(pyproject.replace('packages = ["numpy"]', 'packages = "numpy"'), 'p.toml')).toThrow(
      /^p\.toml:10:1: "python\.packages"/,
    );
  });

  it('reports malformed TOML at its line and column', () => {
    expect(() => parsePyprojectBuildConfig('[tool.bentoml.build]\nservice = \n', 'p.toml')).toThrow(
      /^p\.toml:2:\d+: invalid TOML: .*Fix the syntax and run again\.$/,
    );
  });
});
