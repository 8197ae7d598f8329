"""Docker Compose: ``services.<name>.image``, interpolated as Compose does with ``.env``.

Compose interpolates the file with the ``.env`` of its directory
(linter.extract.dotenv); a variable ``.env`` does not set takes its
``${VAR:-default}``, so ``${REGISTRY:-docker.io}/app:${TAG:-1.2}`` is checked as
``docker.io/app:1.2``. A variable neither sets makes the reference dynamic
(IMG006). The fix rewrites a default when it holds the whole reference
(``${IMAGE:-nginx:1.27}``), and a ``.env`` value when it holds the whole
reference (``IMAGE=nginx:1.27``) or the tag at its end (``postgres:${PG_TAG}``,
``${REGISTRY}/app:${TAG}``) and nothing else in the file uses that variable. In a
service with ``build:``, ``image:`` names what the build produces: not an occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from linter.extract.dotenv import EnvFile, Interpolated, Part, interpolate
from linter.extract.occurrence import FileScan, child, digest_after_tag, tag_start
from linter.model import Form, KustomizeEntry, Occurrence, Span
from linter.records import Record
from linter.yamlnodes import Node, entries, is_mapping, is_null, is_sequence, is_string, values

__all__ = ["Environment", "Interpolated", "extract", "interpolate"]

#: Reads the ``.env`` beside the file (once, when an image first needs it).
Environment = Callable[[], EnvFile]


class _Image(Record):
    node: Node
    service: str
    read: Interpolated


class _Fix(Record):
    """Where the fix writes: over ``edit``, or at ``kustomize``, in the file ``path``
    (this one when None); or why it does not."""

    edit: Span | None
    kustomize: KustomizeEntry | None = None
    path: str | None = None
    unfixable: str | None = None


def extract(scan: FileScan, document: Node, environment: Environment) -> Iterator[Occurrence]:
    images = list(_images(scan, document))
    env = environment() if any("$" in i.node.value for i in images) else None
    if env is not None and env.variables:
        variables = {name: variable.known for name, variable in env.variables.items()}
        images = [_Image(i.node, i.service, interpolate(i.node.value, variables)) for i in images]
    for image in images:
        fix: _Fix | None = None
        if env is not None and image.read.parts:
            fix = _env_fix(image, images, env, document)
        yield _occurrence(scan, image, env, fix)


def _images(scan: FileScan, document: Node) -> Iterator[_Image]:
    for services in values(document, "services"):
        if not is_mapping(services):
            continue
        for name, _, service in entries(services):
            if not is_mapping(service) or _builds(service):
                continue
            for image in values(service, "image"):
                if is_string(image) and image.value.strip() and scan.first_time(image):
                    yield _Image(image, str(name), interpolate(image.value))


def _builds(service: Node) -> bool:
    return any(not is_null(build) for build in values(service, "build"))


def _occurrence(scan: FileScan, image: _Image, env: EnvFile | None, fix: _Fix | None) -> Occurrence:
    scalar = scan.parsed.scalar(image.node)
    found = image.read
    form, note = Form.SCALAR, None
    if fix is not None and env is not None:
        form, note = Form.ENV_FILE, _env_note(found, env, fix.unfixable)
    elif found.defaults:
        form = Form.VARIABLE_DEFAULT
        note = (
            "a variable can override this default"
            if found.defaults == 1
            else "variables can override these defaults"
        )
        fix = _Fix(None)
        if found.whole_default is not None and scalar.edit is not None:
            start, end = found.whole_default
            fix = _Fix(Span(scalar.edit.start + start, scalar.edit.start + end))
    else:
        fix = _Fix(scalar.edit if found.image == scalar.value else None)
    return scan.occurrence(
        scalar,
        image=found.image,
        yaml_path=child(child("services", image.service), "image"),
        context=f"service {image.service}",
        form=form,
        edit=fix.edit,
        kustomize=fix.kustomize,
        dynamic=found.dynamic,
        note=note,
        fix_path=fix.path,
        unfixable=fix.unfixable,
    )


def _env_note(found: Interpolated, env: EnvFile, unfixable: str | None) -> str:
    lines = ", ".join(f"{p.name} on line {env.variables[p.name].line}" for p in found.parts)
    note = f"from {env.path} ({lines}); the environment can override it"
    return note + (f"; not fixed: {unfixable}" if unfixable else "")


def _env_fix(image: _Image, images: list[_Image], env: EnvFile, document: Node) -> _Fix:
    """The ``.env`` value holding the whole reference or its tag, where the digest goes;
    or why the fix leaves it."""
    found = image.read
    part = found.parts[-1]
    variable = env.variables[part.name]
    # The tag's variable holds the digest however the name before it is built
    # (``${REGISTRY}/app:${TAG}``), as a Dockerfile's ARG does.
    if not part.last or not (part.whole or _is_tag(found.image, part)):
        if len(found.parts) > 1 or found.defaults:
            return _Fix(None, unfixable=f"it is built from several variables ({image.node.value})")
        return _Fix(None, unfixable=f"{part.name} holds neither the whole reference nor its tag")
    if variable.edit is None:
        return _Fix(None, unfixable=f"the value of {part.name} in {env.path} is not plain text")
    shared = _shared(part.name, image, images, document)
    if shared is not None:
        return _Fix(None, unfixable=shared)
    if part.whole:
        return _Fix(variable.edit, path=env.path)
    return _Fix(None, digest_after_tag(variable.edit, variable.value), env.path)


def _is_tag(image: str, part: Part) -> bool:
    """Whether ``part`` is the whole tag at the end of ``image`` (``postgres:${TAG}``)."""
    tag = tag_start(image)
    return tag >= 0 and part.start == tag + 1 and part.end == len(image)


def _shared(name: str, image: _Image, images: list[_Image], document: Node) -> str | None:
    """Why pinning ``name`` would change more than this image, if it would: another
    image reads it, or a value outside ``image:`` uses it (a build argument)."""
    readers = [i for i in images if any(p.name == name for p in i.read.parts)]
    others = sorted({i.read.image for i in readers} - {image.read.image})
    if others:
        return f"{name} feeds several images ({image.read.image}, {', '.join(others)})"
    use = re.compile(rf"\$\{{?{re.escape(name)}(?![A-Za-z0-9_])")
    read = {id(i.node) for i in readers}
    if any(use.search(node.value) for node in _strings(document) if id(node) not in read):
        return f"{name} is also used outside image: in this file"
    return None


def _strings(document: Node) -> Iterator[Node]:
    """Every scalar value of ``document`` that can hold a ``$`` (keys too: Compose
    interpolates values only, but a key is cheap to look at)."""
    stack = [document]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if is_mapping(node):
            stack += [item for pair in node.value for item in pair]
        elif is_sequence(node):
            stack += node.value
        elif "$" in node.value:
            yield node
