import { useTempDir } from '../../testing/temp-dir';
import { checkService } from './check-service';

describe('checkService', () => {
  const temp = useTempDir('check-service-');
  const { write } = temp;
  const check = (service: string) => checkService({ service }, temp.dir, temp.dir);

  it('accepts a class defined, re-exported or assigned in the module', () => {
    write('serve.py', '@bentoml.service\nclass Svc:\n    pass\n');
    write('api/__init__.py', 'from .impl import Other, Svc\n');
    write('legacy.py', 'Svc = bentoml.Service("svc")\n');
    expect(() => check('serve:Svc')).not.toThrow();
    expect(() => check('api:Svc')).not.toThrow();
    expect(() => check('legacy:Svc')).not.toThrow();
  });

  it('names the missing module', () => {
    expect(() => check('nope:Svc')).toThrow('The bentofile\'s service "nope:Svc" needs nope.py, which does not exist.');
  });

  it('names a class the module never mentions', () => {
    write('serve.py', 'class Other:\n    pass\n');
    expect(() => check('serve:Svc')).toThrow('serve.py does not define the class Svc');
  });

  it('accepts every service string BentoML accepts: a module, a file, a dotted module, none', () => {
    write('serve.py', '@bentoml.service\nclass Svc:\n    pass\n');
    write('service.py', '@bentoml.service(resources={"cpu": "1"})\nclass IrisClassifier:\n    pass\n');
    write('pkg/api.py', 'import bentoml\n@bentoml.service\nclass Api:\n    pass\n');
    expect(() => check('serve')).not.toThrow();
    expect(() => check('service.py:IrisClassifier')).not.toThrow();
    expect(() => check('./service.py')).not.toThrow();
    expect(() => check('pkg.api:Api')).not.toThrow();
    expect(() => check('')).not.toThrow();
  });

  it('names a class a file-form service string asks for and the file lacks', () => {
    write('service.py', '@bentoml.service\nclass Other:\n    pass\n');
    expect(() => check('service.py:IrisClassifier')).toThrow(
      'service.py does not define the class IrisClassifier named by the bentofile\'s service "service.py:IrisClassifier".',
    );
  });

  it('says where BentoML looks when the build config names no service and service.py is missing', () => {
    expect(() => check('')).toThrow(
      'With no service in the build config, BentoML looks for the service in service.py, which does not exist.',
    );
  });

  it('refuses two top-level services when the build config names none, at the second one', () => {
    write('service.py', 'import bentoml\n\n@bentoml.service\nclass A:\n    pass\n\n@bentoml.service\nclass B:\n    pass\n');
    expect(() => check('')).toThrow('service.py:8 defines a second service (A, B) and the build config names none');
  });

  it('takes the service no other depends on, as BentoML does', () => {
    write(
      'service.py',
      'import bentoml\n\n@bentoml.service\nclass Model:\n    pass\n\n@bentoml.service\nclass Api:\n    model = bentoml.depends(Model)\n',
    );
    expect(() => check('')).not.toThrow();
  });
});
