"""The one place that talks to MkDocs.

postdocs writes plain Markdown and a standard ``mkdocs.yml``; this adapter only
loads that config with the docs and site folders overridden, and runs MkDocs'
build or its live-reload server.  Any static site builder that reads
``mkdocs.yml`` (MkDocs, Material, Zensical) can build the same Markdown.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import BuildError, DataError, Problem, quoted, relative_path
from .urls import UrlError, parse_url


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


@contextmanager
def _mkdocs_log() -> Iterator[_Collect]:
    """Collect MkDocs' warnings instead of letting them print a traceback-like mess."""
    logger = logging.getLogger("mkdocs")
    handler = _Collect()
    logger.addHandler(handler)
    old_propagate = logger.propagate
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = old_propagate


def load_config(config_file: Path, **overrides: Any) -> Any:
    """Load ``mkdocs.yml`` with overrides; a broken config is a :class:`BuildError`."""
    from mkdocs import exceptions
    from mkdocs.config import load_config as mkdocs_load_config

    if not config_file.is_file():
        raise BuildError(f"{config_file}: MkDocs config not found (postdocs init writes one)")
    with _mkdocs_log() as log:
        try:
            return mkdocs_load_config(str(config_file), **overrides)
        except (exceptions.ConfigurationError, exceptions.Abort) as exc:
            details = "\n".join(log.messages)
            raise BuildError(f"{config_file}: {exc}" + (f"\n{details}" if details else "")) from None


def site_url(config_file: Path) -> str:
    """The published site's base URL (``site_url`` in mkdocs.yml), or ``/`` for relative links."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    try:
        text = config_file.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BuildError(f"{quoted(relative_path(config_file))}: cannot read site_url: {exc}") from None
    url = data.get("site_url") if isinstance(data, dict) else None
    if not url:
        return "/"
    try:
        if not isinstance(url, str):
            raise UrlError(f"must be a URL, not {type(url).__name__}", "write it like https://partners.example.com/")
        parse_url(url, example="https://partners.example.com/")
    except UrlError as exc:
        line, col = _key_position(text, "site_url", _Loader)
        raise DataError([Problem(relative_path(config_file), line, col, "site_url", exc.message, exc.hint)]) from None
    return url


def _key_position(text: str, key: str, loader: type[Any]) -> tuple[int, int]:
    """Line and column (1-based) of the value of a top-level ``key`` of a YAML mapping; (1, 1) if not found."""
    import yaml

    root = yaml.compose(text, Loader=loader)
    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node.start_mark.line + 1, value_node.start_mark.column + 1
    return 1, 1


PUBLIC_ENTRY_POINTS = (
    "index.html",
    "404.html",
    "sitemap.xml",
    "sitemap.xml.gz",
    "search/search_index.json",
    "robots.txt",
)
"""Files of a built MkDocs + Material site that anyone can find without a link."""


def check_source_date_epoch(environ: Mapping[str, str]) -> None:
    """MkDocs dates the sitemap with ``SOURCE_DATE_EPOCH`` when set; refuse a value it would choke on."""
    value = environ.get("SOURCE_DATE_EPOCH")
    if value is not None and not re.fullmatch(r"[0-9]{1,11}", value.strip()):
        raise BuildError("SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC, like 1700000000")


def build_site(config_file: Path, docs_dir: Path, site_dir: Path, *, strict: bool) -> list[str]:
    """Run the MkDocs build of ``docs_dir`` into ``site_dir``; return MkDocs' warnings.

    Every date MkDocs writes (the sitemap's ``lastmod``, the gzip header of
    ``sitemap.xml.gz``) comes from ``SOURCE_DATE_EPOCH`` when it is set, so two
    builds of the same input are byte-identical.
    """
    return build_site_config(config_file, docs_dir, site_dir, strict=strict)[0]


def build_site_config(config_file: Path, docs_dir: Path, site_dir: Path, *, strict: bool) -> tuple[list[str], Any]:
    """:func:`build_site`, also returning the loaded MkDocs config (its theme renders page shells)."""
    from mkdocs import exceptions
    from mkdocs.commands.build import build

    check_source_date_epoch(os.environ)
    config = load_config(config_file, docs_dir=str(docs_dir), site_dir=str(site_dir), strict=strict)
    with _mkdocs_log() as log:
        try:
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            finally:
                config.plugins.on_shutdown()
        except exceptions.MkDocsException as exc:  # an OSError (a full disk) goes to the command line as it is
            details = "\n".join(log.messages)
            raise BuildError(f"MkDocs build failed: {exc}" + (f"\n{details}" if details else "")) from None
    return log.messages, config


def reference_highlighter(config: Any) -> Callable[[str, str], str]:
    """Highlight one fenced block exactly as the site's own Markdown extensions do."""
    import markdown

    names = [e for e in config.markdown_extensions if e in ("pymdownx.highlight", "pymdownx.superfences")]
    md = markdown.Markdown(extensions=names, extension_configs={k: config.mdx_configs.get(k, {}) for k in names})

    def highlight(code: str, lang: str) -> str:
        ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", code)), default=0) + 1)
        md.reset()
        return str(md.convert(f"{ticks}{lang}\n{code}\n{ticks}"))

    return highlight


def exposed_address(config_file: Path, dev_addr: str | None) -> str | None:
    """The address ``serve`` would listen on when it is not a loopback address (others can reach it), else None.

    The address is ``--dev-addr``, else ``dev_addr`` in mkdocs.yml, else MkDocs' default (127.0.0.1:8000).
    """
    import ipaddress

    import yaml

    address = dev_addr
    if address is None:

        class _Loader(yaml.SafeLoader):
            pass

        _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
        try:
            data = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - SafeLoader subclass
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return None  # MkDocs reports a broken config itself
        address = data.get("dev_addr") if isinstance(data, dict) else None
    if not isinstance(address, str) or not address.strip():
        return None
    host = address.strip().rpartition(":")[0].strip("[]") or address.strip()
    if host == "localhost":
        return None
    try:
        return None if ipaddress.ip_address(host).is_loopback else address.strip()
    except ValueError:
        return address.strip()  # a host name: it may resolve to any interface


def serve(config_file: Path, docs_dir: Path, watch: list[Path], dev_addr: str | None) -> None:
    """MkDocs' live-reload server; :mod:`generator.mkdocs_hook` re-renders the docs before each build."""
    from mkdocs.commands.serve import serve as mkdocs_serve

    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    hook = Path(__file__).with_name("mkdocs_hook.py")
    kwargs: dict[str, Any] = {"docs_dir": str(docs_dir), "hooks": [str(hook)]}
    if dev_addr:
        kwargs["dev_addr"] = dev_addr
    mkdocs_serve(str(config_file), livereload=True, watch=[str(p) for p in watch], **kwargs)
