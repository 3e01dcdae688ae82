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

  it('asks for the class when the service names only a module', () => {
    expect(() => check('serve')).toThrow('names no class');
  });
});
