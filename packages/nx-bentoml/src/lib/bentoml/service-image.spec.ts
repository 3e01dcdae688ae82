import { filesOfImageInCode } from './service-image';

describe('filesOfImageInCode', () => {
  it('finds every file an Image declared in code reads, as BentoML 1.4 documents it', () => {
    const source = `
import bentoml
image = (
    bentoml.images.Image(python_version="3.11")
    .system_packages("curl")
    .requirements_file("requirements/serve.txt")
    .run_script('scripts/setup.sh')
    .python_packages("torch")
    .build_include("data/", "config.yaml")
)

@bentoml.service(image=bentoml.images.Image(python_version="3.11").pyproject_toml().uv_lock())
class Svc:
    pass
`;
    expect(filesOfImageInCode(source)).toEqual({
      files: ['requirements/serve.txt', 'scripts/setup.sh', 'pyproject.toml', 'uv.lock'],
      includes: ['data/', 'config.yaml'],
    });
  });

  it('takes a keyword argument and a pyproject.toml elsewhere', () => {
    expect(filesOfImageInCode('Image().pyproject_toml(file_path="svc/pyproject.toml").requirements_file(file_path="r.txt")').files).toEqual(
      ['svc/pyproject.toml', 'r.txt'],
    );
  });

  it('finds nothing in a service without an image in code', () => {
    expect(filesOfImageInCode('@bentoml.service\nclass S:\n    pass\n')).toEqual({ files: [], includes: [] });
  });
});
