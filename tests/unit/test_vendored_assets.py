import hashlib
from pathlib import Path

import pytest

pytestmark = pytest.mark.instant_free

ROOT = Path(__file__).resolve().parents[2]
SUM_FILES = [ROOT / "mspboard/static/vendor/SHA256SUMS", ROOT / "tests/e2e/vendor/SHA256SUMS"]


def recorded_sums():
    for sums in SUM_FILES:
        for line in sums.read_text().splitlines():
            digest, name = line.split()
            yield sums.parent / name, digest


@pytest.mark.parametrize(
    ("path", "digest"), list(recorded_sums()), ids=lambda v: getattr(v, "name", "")
)
def test_vendored_file_matches_its_recorded_checksum(path, digest):
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_pages_load_the_pinned_htmx():
    base = (ROOT / "mspboard/templates/base.html").read_text()
    assert "vendor/htmx-4.0.1/htmx.min.js" in base
