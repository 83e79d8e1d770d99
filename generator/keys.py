"""The site key: the secret that makes partner links unguessable.

A partner page lives at ``p/<HMAC-SHA256(key, pair)>/`` (see :mod:`links`).  The
key is 32 random bytes written as 64 hexadecimal characters, read from the
``POSTDOCS_SITE_KEY`` environment variable (CI) or, when that is not set, from
the git-ignored file ``.postdocs-key`` in the project folder.

Without a key the build still works for a local preview, with readable and
guessable links; a published build (``--publish``, or any build where the
``CI`` environment variable is set, unless ``--preview`` says it is never
published) refuses to run without one.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ExitCode, GeneratorError

KEY_ENV = "POSTDOCS_SITE_KEY"
"""Environment variable holding the site key; it wins over the key file."""

KEY_FILE = ".postdocs-key"
"""File in the project folder holding the site key (git-ignored)."""

KEY_BYTES = 32
"""Length of a site key, in bytes (64 hexadecimal characters)."""

_HEX = re.compile(rf"[0-9a-fA-F]{{{KEY_BYTES * 2}}}")
_MIN_DISTINCT = 8
"""A random 64-digit key uses nearly all 16 hex digits; fewer than this means it was typed by hand."""

_FALSE = {"", "0", "false", "no", "off"}


class SiteKeyError(GeneratorError):
    """The site key is missing where it is required, or is not a valid key."""

    exit_code = ExitCode.PROBLEMS


@dataclass(frozen=True)
class SiteKey:
    """A validated site key and where it was read from."""

    secret: bytes = field(repr=False)
    text: str = field(repr=False)
    """The key exactly as written (for the secret scan)."""
    source: str
    """``POSTDOCS_SITE_KEY`` or the key file's path."""


def new_key() -> str:
    """A fresh key: 32 bytes from the operating system's random generator, as hex."""
    return os.urandom(KEY_BYTES).hex()


def parse_key(text: str, source: str) -> SiteKey:
    """Validate a key as written in ``source``; the key itself never appears in a message."""
    key = text.strip()
    hint = "generate one with `postdocs key new` (32 random bytes as 64 hexadecimal characters)"
    if not key:
        raise SiteKeyError(f"{source}: the site key is empty\n    hint: {hint}")
    if not _HEX.fullmatch(key):
        what = (
            f"{len(key)} characters"
            if len(key) != KEY_BYTES * 2
            else "64 characters, not all of them hexadecimal digits"
        )
        raise SiteKeyError(
            f"{source}: a site key is {KEY_BYTES * 2} hexadecimal characters; this one has {what}\n    hint: {hint}"
        )
    if len(set(key.lower())) < _MIN_DISTINCT:
        raise SiteKeyError(f"{source}: the site key is not random (it repeats a few characters)\n    hint: {hint}")
    return SiteKey(bytes.fromhex(key), key, source)


def key_file(root: Path) -> Path:
    """Where a project keeps its site key."""
    return root / KEY_FILE


def load_key(root: Path, environ: Mapping[str, str]) -> SiteKey | None:
    """The project's site key: ``POSTDOCS_SITE_KEY`` if set, else ``.postdocs-key``, else None."""
    if KEY_ENV in environ:
        return parse_key(environ[KEY_ENV], KEY_ENV)
    path = key_file(root)
    if path.is_file():
        try:
            text = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "it is not plain ASCII text"
            raise SiteKeyError(f"{path}: cannot read the site key: {reason}") from None
        return parse_key(text, str(path))
    return None


def publishing(environ: Mapping[str, str], flag: bool | None) -> str | None:
    """Why this build publishes (``--publish``, or ``CI`` without ``--preview``), or None for a preview.

    ``flag`` is True for ``--publish``, False for ``--preview`` (a build that is never published, like a
    pull request check in CI) and None when neither was given.
    """
    if flag is not None:
        return "--publish" if flag else None
    if environ.get("CI", "").strip().lower() not in _FALSE:
        return "the CI environment variable is set"
    return None


def require_key(key: SiteKey | None, reason: str | None) -> None:
    """Refuse a published build without a key."""
    if key is None and reason is not None:
        raise SiteKeyError(
            f"no site key, and this build publishes ({reason}): partner links would be guessable; "
            "nothing was published\n"
            f"    hint: set {KEY_ENV} (a secret of your CI) or create {KEY_FILE} with `postdocs key new`"
        )


NO_KEY_WARNING = (
    f"warning: NO SITE KEY: partner links are readable and GUESSABLE (p/<offer>/b-<buyer>/).\n"
    f"         Fine for a local preview; do not publish this site. Create a key with `postdocs key new`\n"
    f"         or set {KEY_ENV}; `postdocs build --publish` (and any build in CI without --preview) refuses\n"
    f"         to run without one."
)


def write_key(root: Path, text: str) -> Path:
    """Write the key file atomically, readable by its owner only."""
    path = key_file(root)
    parse_key(text, "new key")
    fd, tmp = tempfile.mkstemp(prefix=f"{KEY_FILE}.", suffix=".tmp", dir=root)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(text + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
