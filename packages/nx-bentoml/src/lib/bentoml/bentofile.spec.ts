import { parseBentofile, parseServiceReference } from './bentofile';

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

  it('rejects a service without a class', () => {
    expect(() => parseBentofile('include: [serve.py]\nservice: serve\n', 'b.yaml')).toThrow(
      /^b\.yaml:2:10: "service" must be "<module>:<ServiceClass>"/,
    );
  });

  it('requires a service', () => {
    expect(() => parseBentofile('include: [serve.py]\n', 'b.yaml')).toThrow('b.yaml:1:1: "service" is required.');
  });

  it('rejects an include that is not a list', () => {
    expect(() => parseBentofile('service: serve:S\ninclude: serve.py\n', 'b.yaml')).toThrow(/^b\.yaml:2:10: "include"/);
  });
});

describe('parseServiceReference', () => {
  it('maps a dotted module to its file', () => {
    expect(parseServiceReference('service.api:Svc')).toEqual({ module: 'service.api', className: 'Svc', file: 'service/api.py' });
  });
});
