"""Every code block of the README and of docs/*.md runs, so the documentation cannot rot.

* The Python blocks of each page run in order, as one script, in a fresh
  folder (so that files they write land there).
* The command lines of the shell blocks, and the commands quoted inline,
  that start a script of the repository (``python demos/...``, ``python benchmarks/...``) must name a
  script that exists, whose ``--help`` runs and lists every flag the line
  uses. The demos themselves run in test_demos.py and test_learning_demos.py,
  the set-up commands in CI and in test_packaging.py.
"""
import contextlib
import glob
import io
import os
import re
import subprocess
import sys

import pytest

import feedforward_mnist

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ['README.md'] + sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, 'docs', '*.md')))
#: Pages whose blocks need the real MNIST files.
NEEDS_MNIST = {os.path.join('docs', 'mnist.md')}


def text(page):
    with open(os.path.join(ROOT, page), encoding='utf-8') as stream:
        return stream.read()


def python_blocks(page):
    return re.findall(r'^```python\n(.*?)^```', text(page), flags=re.S | re.M)


def command_lines(page):
    """The command lines of a page's shell blocks: indented by four spaces, or fenced as ``sh`` or ``bash``."""
    body = re.sub(r'^```python\n.*?^```', '', text(page), flags=re.S | re.M)
    lines = re.findall(r'^    (\S.*)$', body, flags=re.M)
    for block in re.findall(r'^```(?:sh|bash)\n(.*?)^```', body, flags=re.S | re.M):
        lines.extend(block.splitlines())
    # Commands quoted inline, in tables and prose: `python demos/confusion_matrix.py --load net.json`.
    lines.extend(re.findall(r'`(python3? (?:demos|benchmarks)/[^`]+)`', body))
    commands = []
    for line in lines:
        for command in re.split(r'&&|;', line.split('#', 1)[0]):
            commands.append(command.strip())
    return [c for c in commands if c]


@pytest.mark.parametrize('page', [p for p in PAGES if python_blocks(p)])
def test_the_python_blocks_of_each_page_run(page, tmp_path, monkeypatch):
    if page in NEEDS_MNIST and not feedforward_mnist.files_present(feedforward_mnist.data_folder()):
        pytest.skip('{} loads MNIST: set MNIST_DIR to the folder of the four files'.format(page))
    monkeypatch.chdir(tmp_path)
    script = '\n'.join(python_blocks(page))
    for extra, package in (('sklearn', 'sklearn'), ('onnx', 'onnx'), ('dask', 'dask')):
        if 'import {}'.format(package) in script or 'from {}'.format(package) in script:
            pytest.importorskip(package, reason='{} needs the {} extra: pip install ".[{}]"'.format(page, extra, extra))
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(script, page, 'exec'), {'__name__': '__docs__'})
    assert output.getvalue() or 'print(' not in script


def script_commands():
    found = []
    for page in PAGES:
        for command in command_lines(page):
            words = command.split()
            scripts = [w for w in words if re.match(r'^(demos|benchmarks)/\w+\.py$', w)]
            if words and words[0].startswith('python') and scripts:
                found.append((page, command, scripts[0], [w.split('=')[0] for w in words if w.startswith('--')]))
    return found


@pytest.mark.parametrize('page,command,script,flags', script_commands(),
                         ids=['{}: {}'.format(c[0], c[1]) for c in script_commands()])
def test_the_commands_in_the_docs_name_scripts_and_flags_that_exist(page, command, script, flags):
    path = os.path.join(ROOT, script)
    assert os.path.isfile(path), '{} names {}, which does not exist'.format(page, script)
    done = subprocess.run([sys.executable, path, '--help'], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env=dict(os.environ, MPLBACKEND='Agg'))
    assert done.returncode == 0, done.stderr
    for flag in flags:
        assert flag in done.stdout, '{}: {} takes no {}'.format(page, script, flag)


def test_every_page_is_linked_from_the_readme_and_every_link_and_picture_exists():
    readme = text('README.md')
    for page in PAGES[1:]:
        assert '({})'.format(page.replace(os.sep, '/')) in readme, '{} is not linked from the README'.format(page)
    for page in PAGES:
        for target in re.findall(r'\]\(([^)#]+)(?:#[^)]*)?\)', text(page)):
            if not re.match(r'^[a-z]+://', target):
                assert os.path.exists(os.path.join(ROOT, os.path.dirname(page), target)), (page, target)


def test_the_readme_is_for_newcomers_a_few_kilobytes():
    assert len(text('README.md').encode('utf-8')) <= 8192
