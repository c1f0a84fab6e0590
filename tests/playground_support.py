"""What the playground's tests share: a tab driven over Starlette's in-process WebSocket client, and the
library-only rebuild of a session's run that the tests compare the session with."""
import json
import time

import numpy as np
import pytest

import activation_functions
from cost_functions import CrossEntropyCost
from data_source import PreloadSource
from feedforward_optimizers import SGDRule
from gradient_descent import StopTraining, Trainer
from neural_net import NetFactory

pytest.importorskip('starlette', reason='the playground needs its extra: pip install ".[playground]"')
pytest.importorskip('httpx2', reason='Starlette\'s test client needs httpx2 (requirements.txt)')

from starlette.testclient import TestClient  # noqa: E402

from feedforward_playground import datasets  # noqa: E402
from feedforward_playground.frames import unpack  # noqa: E402
from feedforward_playground.server import create_app  # noqa: E402

TOKEN = 'test-token'
HOST = '127.0.0.1:8765'
ORIGIN = {'origin': 'http://' + HOST}
WS_URL = 'ws://{}/ws?token={}'.format(HOST, TOKEN)


class _Client(TestClient):
    """Starlette's test client, which closes the tabs still open when its ``with`` ends (a test that failed
    would otherwise leave their sessions waiting, and the client with them)."""

    tabs = None

    def __exit__(self, *error):
        for tab in self.tabs or ():
            tab.close()
        return super().__exit__(*error)


def client():
    """A test client of a fresh app (use it in a ``with``)."""
    test_client = _Client(create_app(TOKEN, '127.0.0.1', 8765), base_url='http://' + HOST)
    test_client.tabs = []
    return test_client


class Tab:
    """One tab of the page, as the tests drive it: sends numbered messages, acknowledges frames, keeps replies."""

    def __init__(self, test_client, url=WS_URL, headers=ORIGIN):
        self._context = test_client.websocket_connect(url, headers=headers)
        self.ws = self._context.__enter__()
        self.welcome = json.loads(self.ws.receive_text())
        self.seq = 0
        self.texts = []
        self.header = self.sections = self.points = None
        self.frames = 0
        self.closed = False
        if getattr(test_client, 'tabs', None) is not None:
            test_client.tabs.append(self)
        self.until(lambda: self.header is not None, what='the first frame')

    def close(self):
        if not self.closed:
            self.closed = True
            self._context.__exit__(None, None, None)

    def send(self, kind, **fields):
        self.seq += 1
        self.ws.send_text(json.dumps(dict(type=kind, seq=self.seq, **fields)))
        return self.seq

    def set(self, **changes):
        return self.send('set', changes=changes)

    def pump(self):
        message = self.ws.receive()
        if message.get('bytes') is not None:
            header, sections = unpack(message['bytes'])
            if header['type'] == 'points':
                self.points = (header, sections)
            else:
                self.header, self.sections, self.size = header, sections, len(message['bytes'])
                self.frames += 1
                self.ws.send_text(json.dumps({'type': 'ack', 'frame': header['n']}))
        elif message.get('text') is not None:
            self.texts.append(json.loads(message['text']))
        elif message.get('type') == 'websocket.close':
            raise ConnectionError('the server closed the connection: {}'.format(message))

    def until(self, predicate, timeout=10.0, what='the condition'):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError('waited {} s for {}; last frame: {}'.format(timeout, what, self.header))
            self.pump()

    def frame_after(self, seq, timeout=10.0):
        """The first frame that reflects control ``seq``."""
        self.until(lambda: self.header is not None and self.header['seq'] >= seq, timeout,
                   'a frame of seq {}'.format(seq))
        return self.header, self.sections

    def reply(self, kind, timeout=10.0):
        """The next text message of type ``kind`` (errors are kept apart in ``errors``)."""
        def found():
            return any(t['type'] == kind for t in self.texts)
        self.until(found, timeout, 'a {!r} reply'.format(kind))
        index = next(i for i, t in enumerate(self.texts) if t['type'] == kind)
        return self.texts.pop(index)

    def errors(self):
        return [t for t in self.texts if t['type'] == 'error']

    def paused(self, seq=None):
        """Pause, and wait for the frame that shows it."""
        seq = self.send('pause')
        self.frame_after(seq)
        return seq

    def parameters(self):
        """The net's parameters, as the page's "Save model" gets them (the library's model file)."""
        from neural_net import NeuralNet
        self.send('save')
        return NeuralNet.from_dict(self.reply('model')['model']).parameters()


def run_script(script):
    """Run a "Copy as Python" script; its ``net`` and ``trainer``."""
    namespace = {'__name__': '__replay__'}
    exec(compile(script, '<replay>', 'exec'), namespace)
    return namespace['net'], namespace['trainer']


def assert_identical(a, b):
    assert a.shape == b.shape
    assert np.array_equal(a, b), 'largest difference {}'.format(np.abs(a - b).max())


def library_run(setup, steps):
    """The run a session of ``setup`` makes in ``steps`` steps from its start, built with the library alone."""
    data = datasets.make_data(setup['kind'], points=setup['points'], noise=setup['noise'],
                              test_share=setup['test_share'], seed=setup['data_seed'], features=setup['features'])
    net = NetFactory.create_neural_net([len(setup['features'])] + list(setup['hidden']) + [1],
                                       activation_functions.ACTIVATIONS[setup['hidden_activation']],
                                       activation_functions.ACTIVATIONS[setup['output_activation']])
    net.randomize_parameters(seed=setup['weight_seed'])
    cost = CrossEntropyCost(net, l2_reg_term=setup['l2'])
    trainer = Trainer(net, cost, SGDRule(), learning_rate=setup['learning_rate'], batch_size=setup['batch_size'],
                      seed=setup['shuffle_seed'])

    def stop(batch_index, n_batches):
        if batch_index + 1 == steps:
            raise StopTraining

    trainer.train(PreloadSource(data.training), 1, on_batch=stop)
    return net
