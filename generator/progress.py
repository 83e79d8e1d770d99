"""Progress of long builds: a bar on a terminal, a plain line every tenth in a log (CI)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

SHOW_FROM = 200
"""Builds rendering fewer pages report nothing (they take a second or two)."""


class Progress:
    """Counts rendered pages; ``total`` is called once, then ``advance`` per chunk done."""

    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.total_pages = 0
        self.done = 0
        self.started = time.monotonic()
        self._logged = 0

    def total(self, pages: int) -> None:
        """The number of pages this build renders."""
        self.total_pages = pages
        self.done = 0
        self.started = time.monotonic()
        self._logged = 0

    def advance(self, pages: int) -> None:
        """``pages`` more pages are rendered."""
        self.done = min(self.total_pages, self.done + pages)
        if self.total_pages < SHOW_FROM:
            return
        share = self.done / self.total_pages
        if self.tty:
            width = 30
            filled = int(width * share)
            bar = "#" * filled + "-" * (width - filled)
            end = "\n" if self.done == self.total_pages else ""
            self.stream.write(f"\rrendering pages [{bar}] {self.done:,}/{self.total_pages:,}{end}")
            self.stream.flush()
        elif self.done * 10 // self.total_pages > self._logged:
            self._logged = self.done * 10 // self.total_pages
            elapsed = time.monotonic() - self.started
            self.stream.write(
                f"rendering pages: {self.done:,}/{self.total_pages:,} ({share:.0%}) after {elapsed:.1f} s\n"
            )
            self.stream.flush()
