from collections.abc import Iterator

import pytest
from flask import Flask


@pytest.fixture(autouse=True)
def app_ctx(app: Flask) -> Iterator[None]:
    """Unit tests call services directly, inside one app context for the whole test."""
    with app.app_context():
        yield
