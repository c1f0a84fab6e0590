import os
import sys

# The library is a set of top-level modules in the repository's root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pytest  # noqa: E402

import gradient_descent  # noqa: E402


@pytest.fixture(params=['whole step', 'layer by layer'])
def both_update_paths(request, monkeypatch):
    """Runs a test twice: with every step taken whole, and with layer-by-layer updates however small the net."""
    threshold = 1 << 62 if request.param == 'whole step' else 0
    monkeypatch.setattr(gradient_descent, 'LAYERWISE_MIN_PARAMETERS', threshold)
    return request.param
