"""Finds the shipped data folders (schemas, templates) in a checkout or an installed wheel."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder `name` ("schemas" or "templates").

    A wheel carries them inside the package (`fedhub/_resources/`); a checkout and an editable
    install keep them at the project's top level, beside `fedhub/`.
    """
    for candidate in (_PACKAGE / "_resources" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"fedhub resource folder {name!r} is missing from the installation")
