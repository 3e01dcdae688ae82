import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { testPython } from '../../testing/python';
import { useTempDir } from '../../testing/temp-dir';

/**
 * python/base_image.py in a plain interpreter, against stub attr and bentoml modules: a frozen
 * build config and a Bento.create that answers with the base image it was given, as BentoML's
 * reads build_config.docker.base_image (for a service's own Image too, populate_image_from_build_config).
 */
const stubs: Record<string, string> = {
  'attr/__init__.py': 'import dataclasses\n\ndef evolve(instance, **changes):\n    return dataclasses.replace(instance, **changes)\n',
  'bentoml/__init__.py': '',
  'bentoml/_internal/__init__.py': '',
  'bentoml/_internal/bento/__init__.py': '',
  'bentoml/_internal/bento/bento.py': `
import dataclasses

@dataclasses.dataclass(frozen=True)
class DockerOptions:
    base_image: str = None
    python_version: str = None

@dataclasses.dataclass(frozen=True)
class BentoBuildConfig:
    service: str = ""
    docker: DockerOptions = DockerOptions()

class Bento:
    @classmethod
    def create(cls, build_config, version=None, build_ctx=None):
        return {"cls": cls.__name__, "service": build_config.service, "base_image": build_config.docker.base_image,
                "python_version": build_config.docker.python_version, "version": version}
`,
};

const driver = `
import json, sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
from bentoml._internal.bento.bento import Bento, BentoBuildConfig, DockerOptions
code_only = BentoBuildConfig(service="service:Echo")
bentofile = BentoBuildConfig(service="service:Echo", docker=DockerOptions(base_image="absent/python:3.11", python_version="3.11"))
answers = [Bento.create(code_only, version="v1")]
if sys.argv[3]:
    from base_image import override_base_image
    override_base_image(sys.argv[3])
answers += [Bento.create(code_only, version="v1"), Bento.create(build_config=bentofile, version="v2", build_ctx=".")]
print(json.dumps(answers))
`;

describe('base_image.py: one base image for every build form', () => {
  const temp = useTempDir('nx-bentoml-base-image-');

  function created(baseImage: string) {
    for (const [path, text] of Object.entries(stubs)) temp.write(`site/${path}`, text);
    return JSON.parse(
      execFileSync(testPython, ['-c', driver, join(__dirname, 'python'), join(temp.dir, 'site'), baseImage], { encoding: 'utf8' }),
    );
  }

  it('gives Bento.create the base image whether the build config names none or another, keeping the rest of it', () => {
    expect(created('registry.example.com/python:3.11')).toEqual([
      { cls: 'Bento', service: 'service:Echo', base_image: null, python_version: null, version: 'v1' },
      { cls: 'Bento', service: 'service:Echo', base_image: 'registry.example.com/python:3.11', python_version: null, version: 'v1' },
      { cls: 'Bento', service: 'service:Echo', base_image: 'registry.example.com/python:3.11', python_version: '3.11', version: 'v2' },
    ]);
  });

  it("leaves BentoML's base image as the build config names it without the option", () => {
    expect(created('').map((answer: { base_image: string | null }) => answer.base_image)).toEqual([null, null, 'absent/python:3.11']);
  });
});
