"""The library installs with pip into a fresh virtual environment and works from any folder.

It is installed beside the ``progress`` distribution from the package index
(a module name the library used to take for itself), and used from a folder
that holds a user's own ``evaluation.py`` and ``progress.py``: none of them
may shadow a module of the library. Installing leaves nothing behind in the
repository (no ``build/`` folder).

The test needs the package index (PyPI) for ``progress`` and the build
backend; it skips, saying so, when pip cannot reach it.
"""
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: The modules that need NumPy alone, and those that need an extra (with the extra's name).
CORE = ['activation_functions', 'cost_functions', 'data_source', 'gradient_descent', 'neural_net',
        'feedforward_checks', 'feedforward_checkpoint', 'feedforward_diagnostics', 'feedforward_gradient_check',
        'feedforward_history', 'feedforward_mnist', 'feedforward_model_file', 'feedforward_optimizers',
        'feedforward_plots', 'feedforward_progress', 'feedforward_schedules', 'feedforward_threads',
        'feedforward_training']
EXTRAS = {'feedforward_sklearn': 'sklearn', 'feedforward_onnx': 'onnx'}
MODULES = CORE + sorted(EXTRAS)
#: The third-party packages of the extras, which the library itself never imports.
EXTRA_PACKAGES = ('sklearn', 'onnx', 'onnxruntime', 'dask', 'distributed', 'joblib', 'scipy')
OFFLINE = ('No matching distribution found', 'Could not find a version', 'Failed to establish a new connection',
           'Temporary failure in name resolution', 'Network is unreachable')

USE = textwrap.dedent('''
    import sys
    import numpy as np
    import {modules}
    from activation_functions import Rectifier, Softmax
    from cost_functions import CrossEntropyCost
    from data_source import PreloadSource, one_hot
    from gradient_descent import StochasticGradientDescent
    from neural_net import NetFactory, NeuralNet
    from feedforward_checkpoint import load_checkpoint, save_checkpoint

    for module in [{modules}]:
        assert 'site-packages' in module.__file__, module.__file__
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)
    net = NetFactory.create_neural_net([2, 8, 2], Rectifier, Softmax)
    net.randomize_parameters(seed=0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    src = PreloadSource((X, one_hot((X[:, 0] > 0).astype(int), 2)))
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net), 0.5, batch_size=8, seed=1)
    history = sgd.train(src, 3, progress=True, measure_training=True)
    save_checkpoint('run.json', sgd)
    net.save('net.json')
    assert (NeuralNet.create_from_file('net.json').parameters() == net.parameters()).all()
    assert load_checkpoint('run.json').epochs_done == 3
    print('trained', history['training_accuracy'][-1])

    # Without the extras installed, what needs one says which to install.
    import importlib
    for module, extra in {extras}.items():
        try:
            importlib.import_module(module)
        except ImportError as error:
            assert 'pip install ".[{{}}]" in a clone of this library'.format(extra) in str(error), error
        else:
            raise AssertionError(module + ' imported without its extra')
    try:
        net.export_onnx('net.onnx')
    except ImportError as error:
        assert 'pip install ".[onnx]" in a clone of this library' in str(error), error
    else:
        raise AssertionError('export_onnx ran without onnx')
''')


def untracked(folder):
    done = subprocess.run(['git', '-C', folder, 'status', '--porcelain', '--untracked-files=all', '--ignored'],
                          capture_output=True, text=True)
    return set(done.stdout.splitlines()) if done.returncode == 0 else None


def test_installed_beside_progress_it_imports_and_trains_from_any_folder(tmp_path):
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True, timeout=300)
    python = str(venv / ('Scripts' if os.name == 'nt' else 'bin') / 'python')
    before = untracked(ROOT)
    done = subprocess.run([python, '-m', 'pip', 'install', '--quiet', ROOT, 'progress', 'tqdm'], capture_output=True,
                          text=True, timeout=900)
    if done.returncode != 0 and any(sign in done.stderr for sign in OFFLINE):
        pytest.skip('pip cannot reach the package index: {}'.format(done.stderr.strip().splitlines()[-1]))
    assert done.returncode == 0, done.stderr
    assert untracked(ROOT) == before, 'installing left files in the repository'
    assert not os.path.exists(os.path.join(ROOT, 'build'))

    elsewhere = tmp_path / 'my_project'
    elsewhere.mkdir()
    # A user's own files named like modules other code uses: the library must not pick them up.
    (elsewhere / 'evaluation.py').write_text('raise ImportError("the user\'s evaluation.py was imported")\n')
    (elsewhere / 'progress.py').write_text('raise ImportError("the user\'s progress.py was imported")\n')
    (elsewhere / 'use.py').write_text(USE.format(modules=', '.join(CORE), extras=EXTRAS))
    environment = {key: value for key, value in os.environ.items() if key != 'PYTHONPATH'}
    done = subprocess.run([python, 'use.py'], cwd=str(elsewhere), capture_output=True, text=True, timeout=300,
                          env=environment)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith('trained') and done.stdout.startswith('epoch 1/3 ')

    # The extras are declared for "pip install .[demos]", ".[test]", ".[sklearn]", ".[onnx]" and ".[dask]".
    done = subprocess.run([python, '-c', 'import importlib.metadata as m; '
                                         'print(m.metadata("feedforward-nets").get_all("Provides-Extra"))'],
                          capture_output=True, text=True, timeout=60)
    for extra in ('demos', 'test', 'sklearn', 'onnx', 'dask'):
        assert "'{}'".format(extra) in done.stdout, done.stdout


def test_every_module_lists_its_public_names_and_spells_nothing_else_as_public():
    """Every name in ``__all__`` exists, and every name a module defines at its top level (a function, a class, a
    constant) is in its ``__all__`` unless it starts with an underscore: nothing internal looks public."""
    import ast
    import importlib
    for name in MODULES:
        module = importlib.import_module(name)
        assert isinstance(module.__all__, list) and module.__all__, name
        for public in module.__all__:
            assert hasattr(module, public), (name, public)
        with open(os.path.join(ROOT, name + '.py'), encoding='utf-8') as stream:
            tree = ast.parse(stream.read())
        defined = set()
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                defined.update(t.id for t in targets if isinstance(t, ast.Name))
        unlisted = sorted(n for n in defined if not n.startswith('_') and n not in module.__all__)
        assert not unlisted, '{} defines {} without listing them in __all__ or marking them internal ' \
                             'with an underscore'.format(name, ', '.join(unlisted))


def test_the_library_imports_none_of_the_extras():
    """Importing every module that needs NumPy alone brings in no package of the extras."""
    code = ('import sys, {}; print(sorted(m for m in sys.modules if m.split(".")[0] in {!r}))'.format(
        ', '.join(CORE), EXTRA_PACKAGES))
    done = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '[]'


def test_every_module_of_the_library_is_in_the_wheel_and_tested_here():
    import glob
    with open(os.path.join(ROOT, 'pyproject.toml'), encoding='utf-8') as stream:
        wheel = stream.read().split('only-include = [', 1)[1].split(']', 1)[0]
    found = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, '*.py'))
                   if os.path.basename(p) != 'tests.py')
    assert found == sorted(MODULES)
    for name in MODULES:
        assert '"{}.py"'.format(name) in wheel, name


def test_the_readme_example_runs_after_the_smallest_install_the_readme_gives(tmp_path):
    """The README's second command, as written: a fresh environment with only the packages it names runs the
    example and writes its picture."""
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as stream:
        command = next(line.strip() for line in stream if 'pip install' in line and 'demos/' in line)
    packages = command.split('pip install', 1)[1].split('&&')[0].split()
    script = command.rsplit('&& python', 1)[1].split()[0]
    assert packages == ['numpy', 'threadpoolctl', 'tqdm', 'matplotlib'] and script == 'demos/curve_fitting.py'
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True, timeout=300)
    python = str(venv / ('Scripts' if os.name == 'nt' else 'bin') / 'python')
    done = subprocess.run([python, '-m', 'pip', 'install', '--quiet'] + packages, capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0 and any(sign in done.stderr for sign in OFFLINE):
        pytest.skip('pip cannot reach the package index: {}'.format(done.stderr.strip().splitlines()[-1]))
    assert done.returncode == 0, done.stderr
    environment = {key: value for key, value in os.environ.items() if key not in ('PYTHONPATH', 'MPLBACKEND')}
    done = subprocess.run([python, script, '--out', str(tmp_path / 'out')], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=environment)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / 'out' / 'curve_fitting.png').stat().st_size > 10000
