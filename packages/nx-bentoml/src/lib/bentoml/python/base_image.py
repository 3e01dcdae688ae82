"""The plugin's baseImage option, applied where BentoML itself reads the base image.

BentoML takes the base image from the build config's docker.base_image: for a Bento without an
image spec (Dockerfile generated from the docker options) and, through
populate_image_from_build_config, for one with an image spec, where it replaces the base_image of
the service's own bentoml.images.Image. So setting docker.base_image on the build config that
Bento.create receives covers bentofile.yaml, pyproject.toml and code-only services alike, and
bento.yaml records the image that containerize then builds from.
"""


def override_base_image(base_image: str) -> None:
    import attr
    from bentoml._internal.bento.bento import Bento

    create = Bento.create.__func__

    def create_with_base_image(cls, build_config, *args, **kwargs):
        docker = attr.evolve(build_config.docker, base_image=base_image)
        return create(cls, attr.evolve(build_config, docker=docker), *args, **kwargs)

    Bento.create = classmethod(create_with_base_image)
