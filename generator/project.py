"""Where a project's inputs and outputs live (no heavy imports: the command line starts from here)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path


def default_templates() -> Path:
    """The templates shipped with the package (in a source checkout: the repository's ``templates/``)."""
    packaged = Path(str(resources.files("generator") / "templates"))
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "templates"


def template_dir(project: Path) -> Path:
    """The project's ``templates/`` when it has one, else the shipped templates."""
    own = project / "templates"
    return own if own.is_dir() else default_templates()


@dataclass(frozen=True)
class Project:
    """Where a project's inputs and outputs live."""

    root: Path
    catalogue: Path

    @classmethod
    def at(cls, root: Path, catalogue: Path | None = None) -> Project:
        """A project rooted at ``root`` (where ``mkdocs.yml`` is), catalogue ``offers/`` by default."""
        root = root.resolve()
        return cls(root, (catalogue if catalogue is not None else root / "offers").resolve())

    @property
    def config(self) -> Path:
        """The MkDocs config."""
        return self.root / "mkdocs.yml"

    @property
    def docs_dir(self) -> Path:
        """Generated Markdown (what ``docs_dir`` in mkdocs.yml points at)."""
        return self.root / "build" / "docs"

    @property
    def site_dir(self) -> Path:
        """The published site."""
        return self.root / "site"

    @property
    def owner_dir(self) -> Path:
        """The owner's link list and setup steps, never published."""
        return self.root / "owner"

    @property
    def state_dir(self) -> Path:
        """What the last build produced (for rebuilds that redo only what changed)."""
        return self.root / "build" / "state"

    @property
    def trash_dir(self) -> Path:
        """Trees a build replaced, being removed after it (see :class:`writer.Trash`)."""
        return self.root / "build" / "trash"

    @property
    def cache_file(self) -> Path:
        """Parsed catalogue files, by content."""
        return self.root / "build" / "cache" / "documents.pickle"

    @property
    def jinja_cache(self) -> Path:
        """Compiled templates (Jinja checks each against its template's source)."""
        return self.root / "build" / "cache" / "jinja"

    @property
    def history_cache(self) -> Path:
        """The replayed git history of the catalogue (see :mod:`history`)."""
        return self.root / "build" / "cache" / "history.pickle"

    @property
    def templates(self) -> Path:
        """Page templates."""
        return template_dir(self.root)
