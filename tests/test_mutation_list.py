"""The mutants of benchmarks/mutation_test.py still fit the code: each one's old text is in its file exactly once,
and applying it gives another file that still compiles.

The mutation run itself is too long for every test run (see docs/contributing.md); this check is quick, so that
a change to the library that moves a mutant's text fails here, at once, instead of leaving a mutant that no
longer mutates anything.
"""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
import mutation_test  # noqa: E402


def source(path):
    with open(os.path.join(ROOT, path), encoding='utf-8') as stream:
        return stream.read()


@pytest.mark.parametrize('mutant', mutation_test.MUTANTS, ids=[m.name for m in mutation_test.MUTANTS])
def test_each_mutant_changes_its_file_once_into_code_that_still_compiles(mutant):
    original = source(mutant.path)
    changed = mutation_test.mutated(mutant, original)
    assert changed != original
    # A mutant that is a syntax error would be "caught" by any import: it must be a change of behaviour.
    compile(changed, mutant.path, 'exec')


def test_a_mutant_whose_text_has_moved_is_refused_not_skipped():
    mutant = mutation_test.MUTANTS[0]
    stale = mutant._replace(old=mutant.old + 'a line that is not there\n')
    with pytest.raises(mutation_test.StaleMutant, match='found it 0 times'):
        mutation_test.mutated(stale, source(stale.path))
    doubled = source(mutant.path) + mutant.old
    with pytest.raises(mutation_test.StaleMutant, match='found it 2 times'):
        mutation_test.mutated(mutant, doubled)


def test_the_mutants_have_distinct_names_and_cover_the_library():
    names = [m.name for m in mutation_test.MUTANTS]
    assert len(set(names)) == len(names)
    covered = {m.path for m in mutation_test.MUTANTS}
    for module in ('activation_functions', 'cost_functions', 'data_source', 'feedforward_training',
                   'feedforward_optimizers', 'neural_net', 'feedforward_model_file', 'feedforward_checkpoint',
                   'feedforward_mnist', 'feedforward_schedules', 'feedforward_checks'):
        assert module + '.py' in covered, module
