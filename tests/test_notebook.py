"""The library in a Jupyter notebook, executed headlessly with nbclient: what each cell shows a learner.

The notebook is built here, cell by cell, run in a fresh kernel from the
repository's folder, and each cell's outputs are checked: the progress bar
is a widget and each epoch a line, ``verbose`` gives the lines alone, a
History is an HTML table and a picture, the trainer, cost, source and
gradient check show their settings, re-running a cell that registers an
activation is accepted, and an error reads as one line.
"""
import base64
import io
import os

import pytest

nbformat = pytest.importorskip('nbformat', reason='the notebook test needs nbformat, nbclient and ipykernel')
nbclient = pytest.importorskip('nbclient', reason='the notebook test needs nbformat, nbclient and ipykernel')
pytest.importorskip('ipykernel', reason='the notebook test needs nbformat, nbclient and ipykernel')

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SETUP = """\
import numpy as np
from activation_functions import Sigmoid, Softmax
from cost_functions import CrossEntropyCost
from data_source import PreloadSource
from gradient_descent import StochasticGradientDescent
from neural_net import NetFactory

rng = np.random.default_rng(0)
X = rng.normal(size=(300, 4))
Y = np.eye(2)[(X[:, 0] + X[:, 1] > 0).astype(int)]
training, test = PreloadSource((X[:200], Y[:200])), PreloadSource((X[200:], Y[200:]))
net = NetFactory.create_neural_net([4, 8, 2], Sigmoid, Softmax)
cost = CrossEntropyCost(net, l2_reg_term=1e-4)
trainer = StochasticGradientDescent(net, cost, learning_rate=0.5, batch_size=10, seed=0)"""

REGISTER = """\
from activation_functions import Activation, register_activation

class Softsign(Activation):
    name = 'NotebookSoftsign'
    needs_z = False

    def activation(self, z, out=None):
        return np.divide(z, 1.0 + np.abs(z), out=out)

    def derivative(self, z, a):
        return (1.0 - np.abs(a)) ** 2

register_activation(Softsign)"""

EDITED = """\
class Softsign(Activation):
    name = 'NotebookSoftsign'

    def activation(self, z, out=None):
        return np.tanh(z, out=out)

    def derivative(self, z, a):
        return 1.0 - a * a

register_activation(Softsign)
from activation_functions import ACTIVATIONS
ACTIVATIONS['NotebookSoftsign']().activation(np.array([1.0]))"""

ANOTHER = EDITED.replace('class Softsign', 'class OtherSoftsign').replace('(Softsign)', '(OtherSoftsign)')

#: (name, source, whether the cell is meant to raise)
CELLS = [
    ('setup', SETUP, False),
    ('never randomized', 'trainer.train(training, 2)', True),
    ('progress', 'net.randomize_parameters(seed=1)\n'
                 'history = trainer.train(training, 5, evaluation_data=test, progress=True)', False),
    ('verbose', 'history = trainer.train(training, 3, evaluation_data=test, verbose=True)', False),
    ('quiet', 'trainer.train(training, 2);', False),
    ('history', 'history', False),
    ('plot', 'history.plot()', False),
    ('dataframe', 'history.to_dataframe().tail(2)', False),
    ('reprs', 'trainer, cost, training', False),
    ('gradient check', 'from feedforward_gradient_check import gradient_check\n'
                       'gradient_check(cost, X[:20], Y[:20])', False),
    ('register', REGISTER, False),
    ('register again', REGISTER, False),
    ('edited and run again', EDITED, False),
    ('another class', ANOTHER, True),
]


def run_notebook(cells):
    """Each cell's outputs, by the cell's name, from one run of a notebook of ``cells`` in a fresh kernel."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for _, source, _ in cells])
    for cell, (_, _, raises) in zip(notebook.cells, cells):
        if raises:
            cell.metadata['tags'] = ['raises-exception']
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name='python3',
                                     resources={'metadata': {'path': ROOT}})
    client.execute(env=dict(os.environ, MPLBACKEND='module://matplotlib_inline.backend_inline'))
    return {name: cell.outputs for (name, _, _), cell in zip(cells, notebook.cells)}


@pytest.fixture(scope='module')
def shown():
    return run_notebook(CELLS)


def streamed(outputs):
    return ''.join(output['text'] for output in outputs if output['output_type'] == 'stream'
                   and output['name'] == 'stdout')


def result(outputs):
    """The cell's result, by MIME type."""
    results = [output['data'] for output in outputs if output['output_type'] == 'execute_result']
    assert len(results) == 1, outputs
    return results[0]


def error(outputs):
    errors = [output for output in outputs if output['output_type'] == 'error']
    assert len(errors) == 1, outputs
    return errors[0]


def test_a_net_never_randomized_is_refused_in_one_line_naming_the_call(shown):
    refused = error(shown['never randomized'])
    assert refused['ename'] == 'ValueError'
    assert 'call net.randomize_parameters() before training' in refused['evalue']


def test_progress_is_a_widget_with_a_line_per_epoch(shown):
    widgets = [output for output in shown['progress'] if output['output_type'] == 'display_data'
               and 'application/vnd.jupyter.widget-view+json' in output['data']]
    assert len(widgets) == 1, shown['progress']
    lines = streamed(shown['progress']).splitlines()
    assert [line.split()[1] for line in lines] == ['1/5', '2/5', '3/5', '4/5', '5/5']
    assert all('| eval cost ' in line and ' acc ' in line for line in lines)
    assert not [output for output in shown['progress'] if output.get('name') == 'stderr']


def test_verbose_gives_the_lines_alone_and_by_default_nothing_shows(shown):
    lines = streamed(shown['verbose']).splitlines()
    assert [line.split()[1] for line in lines] == ['6/8', '7/8', '8/8']
    assert not any(output['output_type'] == 'display_data' for output in shown['verbose'])
    assert shown['quiet'] == []


def test_a_history_is_a_table_of_its_epochs_a_picture_and_a_data_frame(shown):
    table = result(shown['history'])['text/html']
    assert '<table>' in table and '<th>evaluation_accuracy</th>' in table
    assert table.count('<tr>') == 1 + 3            # the header and the 3 epochs of the last train
    picture = base64.b64decode(result(shown['plot'])['image/png'])
    from matplotlib.image import imread
    pixels = imread(io.BytesIO(picture))
    assert pixels.shape[1] > 600 and pixels.std() > 0.05   # a wide picture with something drawn on it
    frame = result(shown['dataframe'])
    assert 'class="dataframe"' in frame['text/html'] and 'evaluation_cost' in frame['text/plain']


def test_the_trainer_cost_source_and_gradient_check_show_their_settings(shown):
    assert result(shown['reprs'])['text/plain'] == (
        '(StochasticGradientDescent(learning_rate=0.5, batch_size=10, epochs_done=10),\n'
        ' CrossEntropyCost(l2_reg_term=0.0001),\n'
        ' PreloadSource(200 examples, 4 -> 2))')
    table = result(shown['gradient check'])['text/plain']
    assert 'layer' in table and 'relative' in table and 'object at 0x' not in table


def test_re_running_a_registering_cell_is_accepted_and_another_class_is_still_refused(shown):
    for name in ('register', 'register again', 'edited and run again'):
        assert not any(output['output_type'] == 'error' for output in shown[name]), shown[name]
    assert result(shown['edited and run again'])['text/plain'] == 'array([0.76159416])'   # tanh(1): the edit
    refused = error(shown['another class'])
    assert 'NotebookSoftsign' in refused['evalue'] and 'replace=True' in refused['evalue']


def test_without_ipywidgets_a_notebook_gets_the_lines_and_a_word_on_what_to_install():
    outputs = run_notebook([('no widgets', "import sys\nsys.modules['ipywidgets'] = None   # as if not installed",
                             False),
                            ('setup', SETUP, False),
                            ('progress', CELLS[2][1], False)])['progress']
    assert not any(output['output_type'] == 'error' for output in outputs), outputs
    assert len(streamed(outputs).splitlines()) == 5
    warned = ''.join(output['text'] for output in outputs if output.get('name') == 'stderr')
    assert 'ipywidgets' in warned
