"""Runs every unit and integration test (pytest, on tests/); exits non-zero if any fails.

    python tests.py              # all of them
    python tests.py -k gradient  # any pytest options pass through
"""
import os
import sys

import pytest

if __name__ == '__main__':
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    sys.exit(pytest.main(['tests'] + sys.argv[1:]))
