from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
FIXTURES = REPOSITORY / "fixtures"
SHARED = REPOSITORY.parent / "shared"

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for tests/markers.py


@pytest.fixture
def repository() -> Path:
    return REPOSITORY
