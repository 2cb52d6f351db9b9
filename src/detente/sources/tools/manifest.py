"""Print ``source.yml`` file entries (sha256, size, raw row count) for files in a mirror.

Maintainers run this when a source is added or a new version is declared, then review and paste the
output into ``source.yml``::

    python -m detente.sources.tools.manifest ../shared/datasets/atop atop5_1a.csv atop5_1m.csv

The raw row count is counted independently of the parser (Python's csv module, header excluded), so a
declared ``rows:`` value is a real check on the parser and not a copy of its output.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

from detente.sources.checksum import sha256_of


def csv_rows(path: Path, encoding: str = "utf-8", skip_lines: int = 0) -> int:
    """Data rows of a CSV (non-blank records after the header)."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    text = data.decode(encoding, errors="replace")
    if skip_lines:
        text = "\n".join(text.splitlines()[skip_lines:])
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    return sum(1 for row in reader if row)


def entry(folder: Path, relative: str) -> str:
    """One YAML file entry for ``folder/relative``."""
    path = folder / relative
    lines = [
        f"  - path: {relative}",
        f"    sha256: {sha256_of(path)}",
        f"    size: {path.stat().st_size}",
    ]
    if relative.endswith((".csv", ".csv.gz")):
        lines.append(f"    # raw data rows (csv module, utf-8 with replacement): {csv_rows(path)}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Entry point: ``manifest FOLDER [FILE ...]`` (all files in FOLDER when none are given)."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[0])
    names = argv[1:] or sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != "SOURCE.txt"
    )
    for name in names:
        print(entry(folder, name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
