"""Models resolved into a build context by hard links instead of copies of their bytes.

`construct_containerfile` copies every model into the context it makes in a temporary directory
(shutil.copytree: the store's models into models/, Hugging Face snapshots into hf-models/).
containerize only reads those files, to stream them into layers, then removes them: a link gives
it the same files without writing the weights once more. Where the file system cannot link
(another device, no permission), the file is copied as before. Nothing else BentoML copies is
linked, so a file it writes afterwards (the Dockerfile) is never shared with the Bento or the store.
"""

import contextlib
import errno
import os
import shutil

MODEL_DIRS = ("models", "hf-models")
NOT_LINKABLE = {errno.EXDEV, errno.EPERM, errno.EACCES, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP}


# The bytes copied where a link was refused: containerize says so, and how to spare the copy.
copied_bytes = 0


def link_or_copy(source, target, *, follow_symlinks=True):
    global copied_bytes
    try:
        os.link(source, target, follow_symlinks=follow_symlinks)
        return target
    except OSError as error:
        if error.errno not in NOT_LINKABLE:
            raise
    copied = shutil.copy2(source, target, follow_symlinks=follow_symlinks)
    copied_bytes += os.path.getsize(copied)
    return copied


def is_model_copy(target, temp_root):
    """True for a copy into <context>/models/... or <context>/hf-models/..., the context being a directory of temp_root."""
    parts = os.path.relpath(os.path.abspath(target), temp_root).split(os.sep)
    return len(parts) >= 2 and parts[0] != os.pardir and parts[1] in MODEL_DIRS


@contextlib.contextmanager
def linked_models(temp_root):
    """While active, BentoML's copies of models into a context made in `temp_root` are links."""
    original = shutil.copytree
    root = os.path.abspath(temp_root)

    def copytree(source, target, *args, **kwargs):
        # copytree(src, dst, symlinks, ignore, copy_function, ...): its own recursion passes them by position.
        if is_model_copy(target, root):
            if len(args) >= 3 and args[2] is shutil.copy2:
                args = (*args[:2], link_or_copy, *args[3:])
            elif len(args) < 3 and kwargs.get("copy_function", shutil.copy2) is shutil.copy2:
                kwargs["copy_function"] = link_or_copy
        return original(source, target, *args, **kwargs)

    shutil.copytree = copytree
    try:
        yield
    finally:
        shutil.copytree = original
