import os
import sys

import pytest

# The library is a set of top-level modules in the repository's root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import activation_functions  # noqa: E402
import cost_functions  # noqa: E402
import feedforward_optimizers  # noqa: E402
import feedforward_schedules  # noqa: E402


@pytest.fixture(autouse=True)
def registries():
    """Activations, costs, update rules and schedules that a test (or a page of the docs) registers are forgotten
    after it."""
    kept = [(registry, dict(registry)) for registry in (activation_functions._REGISTRY, cost_functions._REGISTRY,
                                                         feedforward_optimizers._REGISTRY,
                                                         feedforward_schedules._REGISTRY)]
    yield
    for registry, entries in kept:
        registry.clear()
        registry.update(entries)
