"""The playground's server, sessions and protocol, over Starlette's in-process WebSocket client.

Every comparison of parameters is against the library driven directly (a
trainer made by hand, or the "Copy as Python" script run here), never
against the session's own numbers; see also test_playground_browser.py.
"""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from playground_support import HOST, ORIGIN, TOKEN, Tab, assert_identical, client, library_run, run_script

from activation_functions import Activation, register_activation
from cost_functions import CrossEntropyCost
from feedforward_checks import Integer, Interval, Setting
from feedforward_optimizers import OPTIMIZERS, UpdateRule, register_optimizer
from feedforward_playground import datasets
from feedforward_playground.frames import SURFACE_RESOLUTION, FrameBuilder, unpack
from feedforward_playground.protocol import MAX_MESSAGE_BYTES, check_message
from feedforward_playground.session import Session
from neural_net import NeuralNet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_page_and_the_socket_need_the_token_the_origin_and_the_host():
    with client() as c:
        assert c.get('/').status_code == 403
        assert c.get('/?token=wrong').status_code == 403
        page = c.get('/?token=' + TOKEN)
        assert page.status_code == 200 and 'app.js' in page.text
        assert "connect-src 'self'" in page.headers['content-security-policy']
        assert c.get('/?token=' + TOKEN, headers={'host': 'evil.example:8765'}).status_code == 403
        refused = [('ws://{}/ws?token=wrong'.format(HOST), ORIGIN),
                   ('ws://{}/ws'.format(HOST), ORIGIN),
                   ('ws://{}/ws?token={}'.format(HOST, TOKEN), {'origin': 'http://evil.example'}),
                   ('ws://{}/ws?token={}'.format(HOST, TOKEN), {}),
                   ('ws://evil.example:8765/ws?token={}'.format(TOKEN), {'origin': 'http://evil.example:8765'})]
        for url, headers in refused:
            with pytest.raises(Exception):
                Tab(c, url, headers)
        tab = Tab(c)
        assert tab.welcome['type'] == 'welcome'
        tab.close()


def test_a_frame_shows_the_net_as_its_own_feed_computes_it_within_16_kb():
    with client() as c:
        tab = Tab(c)
        tab.until(lambda: tab.header is not None and tab.points is not None)
        seq = tab.send('step')
        header, sections = tab.frame_after(seq)
        assert header['steps'] == 1 and tab.size <= 16 * 1024
        net = NeuralNet.from_dict(json.loads(json.dumps(_saved(tab))))
        # The frame's nodes: x1 from -6 to 6 left to right, x2 from 6 to -6 top to bottom.
        nodes = np.linspace(-6, 6, SURFACE_RESOLUTION + 1)
        g1, g2 = np.meshgrid(nodes, nodes[::-1])
        p = net.feed(np.stack([g1.ravel(), g2.ravel()], axis=1))[:, 0]
        surface = sections['surface']
        assert np.array_equal(surface >= 128, p > 0.5)
        strength = np.minimum(1, 2 * np.abs(p - 0.5))
        assert np.abs(np.abs(surface.astype(float) - 127.5) - 0.5 - 127 * strength).max() <= 1
        assert_identical(sections['params'], net.parameters().astype(np.float32))
        points_header, points = tab.points
        assert points_header['n'] == 500 and points['xy'].shape == (1000,)
        tab.close()


def _saved(tab):
    tab.send('save')
    return tab.reply('model')['model']


def test_step_advances_exactly_one_batch_and_reset_restores_the_initial_parameters():
    with client() as c:
        tab = Tab(c)
        tab.until(lambda: tab.header is not None)
        initial = tab.parameters()
        setup = tab.welcome['setup']
        for steps in (1, 2, 3):
            header, _ = tab.frame_after(tab.send('step'))
            assert (header['steps'], header['batch'], header['epoch']) == (steps, steps, 0)
            assert_identical(tab.parameters(), library_run(setup, steps).parameters())
        tab.send('play')
        tab.until(lambda: tab.header['epoch'] >= 3, what='3 epochs')
        header, _ = tab.frame_after(tab.send('reset'))
        assert (header['epoch'], header['steps'], header['running']) == (0, 0, False)
        assert_identical(tab.parameters(), initial)
        tab.close()


def test_copy_as_python_replays_a_run_with_controls_changed_during_play_bit_for_bit():
    with client() as c:
        tab = Tab(c)
        tab.send('play')
        changes = [{'learning_rate': 0.1}, {'optimizer_settings': {'momentum': 0.9, 'nesterov': True}},
                   {'batch_size': 7}, {'l2': 0.001}, {'dropout': 0.2}, {'noise': 0.3},
                   {'schedule': 'exponential', 'schedule_settings': {'factor': 0.99}},
                   {'optimizer': 'adam', 'learning_rate': 0.01}, {'cost': 'QuadraticCost'},
                   {'optimizer_settings': {'beta1': 0.8, 'beta2': 0.99, 'eps': 1e-7}}]
        for change in changes:
            header, _ = tab.frame_after(tab.set(**change))
            tab.until(lambda: tab.header['steps'] > header['steps'] + 20, what='more steps')
        tab.frame_after(tab.send('add_point', x1=1.0, x2=-2.0, target=1))
        tab.until(lambda: tab.header['running'] and tab.header['epoch'] >= 5)
        tab.paused()
        tab.send('step')
        tab.send('step')
        tab.send('python')
        script = tab.reply('python')['script']
        assert not tab.errors(), tab.errors()
        net, trainer = run_script(script)
        assert_identical(net.parameters(), tab.parameters())
        assert trainer.epochs_done == tab.header['epoch']
        assert 'take_steps(' in script and 'trainer.learning_rate = 0.1' in script
        tab.close()


def test_a_replay_that_differs_is_caught():
    """The comparison above can fail: one step more, or another seed, gives other parameters."""
    with client() as c:
        tab = Tab(c)
        for _ in range(3):
            tab.send('step')
        tab.send('python')
        script = tab.reply('python')['script']
        tab.frame_after(tab.seq)
        shown = tab.parameters()
        assert_identical(run_script(script)[0].parameters(), shown)
        for broken in (script.replace('take_steps(3)', 'take_steps(4)'), script.replace('seed=2)', 'seed=5)')):
            assert broken != script
            assert not np.array_equal(run_script(broken)[0].parameters(), shown)
        tab.close()


def test_controls_show_in_the_next_frames_and_changes_that_need_a_new_net_make_one():
    with client() as c:
        tab = Tab(c)
        tab.send('play')
        header, _ = tab.frame_after(tab.set(learning_rate=0.2))
        assert header['learning_rate'] == 0.2 and header['running']
        header, _ = tab.frame_after(tab.set(hidden_activation='Rectifier'))
        assert header['activations'] == ['Rectifier', 'Rectifier', 'Sigmoid']
        version = header['net_version']
        header, _ = tab.frame_after(tab.set(hidden=[5, 4, 3]))
        assert header['sizes'] == [2, 5, 4, 3, 1] and header['net_version'] > version and header['running']
        header, _ = tab.frame_after(tab.set(features=['x1', 'x2', 'x1*x2']))
        assert header['sizes'][0] == 3
        header, _ = tab.frame_after(tab.set(kind='blobs', classes=4, output_activation='Softmax'))
        assert header['sizes'][-1] == 4 and header['task'] == 'classification'
        header, _ = tab.frame_after(tab.set(kind='sine', output_activation='Identity', cost='QuadraticCost'))
        assert header['task'] == 'curve' and header['sizes'][0] == 1
        tab.close()


def test_malformed_and_out_of_range_messages_get_an_error_naming_the_field_and_the_session_goes_on():
    cases = [('{not json', 'message'), ('[1, 2]', 'message'), ('{"type": "explode", "seq": 1}', 'type'),
             ('{"type": "play"}', 'seq'), ('{"type": "play", "seq": -1}', 'seq'),
             ('{"type": "set", "seq": 1, "changes": {"learning_rate": -1}}', 'learning_rate'),
             ('{"type": "set", "seq": 1, "changes": {"learning_rate": NaN}}', 'message'),
             ('{"type": "set", "seq": 1, "changes": {"hidden": [8, 8, 8, 8, 8, 8, 8, 8, 8]}}', 'hidden'),
             ('{"type": "set", "seq": 1, "changes": {"hidden": [65]}}', 'hidden[0]'),
             ('{"type": "set", "seq": 1, "changes": {"points": 10000000}}', 'points'),
             ('{"type": "set", "seq": 1, "changes": {"kind": "mnist!"}}', 'kind'),
             ('{"type": "set", "seq": 1, "changes": {"optimizer_settings": {"momentum": 2}}}',
              'optimizer_settings.momentum'),
             ('{"type": "set", "seq": 1, "changes": {"cost": "CrossEntropyCost", "output_activation": "Identity"}}',
              'cost'),
             ('{"type": "set", "seq": 1, "changes": {"secret": 1}}', 'secret'),
             ('{"type": "inspect", "seq": 1, "layer": 7, "unit": 0}', 'layer'),
             (json.dumps({'type': 'play', 'seq': 1, 'pad': 'x' * MAX_MESSAGE_BYTES}), 'message')]
    with client() as c:
        tab = Tab(c)
        tab.send('play')
        for text, field in cases:
            tab.ws.send_text(text)
            error = tab.reply('error')
            assert error['field'] == field, (text[:80], error)
            assert field in error['message']
        assert 'expected at most 65536 bytes' in error['message']
        tab.ws.send_bytes(b'\x00' * 10)
        assert tab.reply('error')['field'] == 'message'
        steps = tab.header['steps']
        tab.until(lambda: tab.header['steps'] > steps + 100, what='training to go on')
        assert tab.header['learning_rate'] == 0.03 and tab.header['sizes'] == [2, 8, 8, 1]
        tab.close()


def test_check_message_cleans_what_it_takes():
    assert check_message('{"type": "ack", "frame": 3}') == {'type': 'ack', 'frame': 3}
    assert check_message('{"type": "inspect", "seq": 2, "layer": 1, "unit": 0}')['source'] is None


def test_play_learns_xor_and_a_closed_tab_stops_training_within_a_second():
    with client() as c:
        tab = Tab(c)
        tab.send('play')
        tab.until(lambda: tab.header['epoch'] >= 100, timeout=20, what='100 epochs')
        chart = tab.header['chart']['points']
        assert chart[-1][2] < 0.2 and chart[-1][4] >= 0.95     # test cost, test accuracy
        session = next(iter(c.app.state.sessions.values()))
        tab.close()
        began = time.monotonic()
        session._thread.join(2)
        assert not session.alive and time.monotonic() - began < 1.0
        assert not c.app.state.sessions


def test_divergence_is_shown_as_the_library_reports_it_and_the_epoch_is_undone():
    with client() as c:
        tab = Tab(c)
        tab.frame_after(tab.set(kind='plane', output_activation='Identity', cost='QuadraticCost',
                                hidden_activation='Identity'))
        before = tab.parameters()
        tab.frame_after(tab.set(learning_rate=1.0))
        seq = tab.send('play')
        tab.until(lambda: tab.header['seq'] >= seq and tab.header['divergence'] is not None, what='divergence')
        divergence = tab.header['divergence']
        assert divergence['epoch'] == 1 and divergence['batch'] >= 1 and divergence['undone']
        assert 'diverged in epoch 1 at batch {}'.format(divergence['batch']) in divergence['message']
        assert not tab.header['running'] and tab.header['epoch'] == 0
        assert_identical(tab.parameters(), before)
        assert all(np.isfinite(section).all() for section in tab.sections.values())
        # A cost that comes out infinite after an epoch: the library keeps the epoch; nothing drawn is NaN.
        tab.frame_after(tab.set(hidden_activation='Rectifier', learning_rate=10.0))
        seq = tab.send('play')
        tab.until(lambda: tab.header['seq'] >= seq and tab.header['divergence'] is not None, what='divergence')
        divergence = tab.header['divergence']
        assert not divergence['undone'] and divergence['batch'] is None and tab.header['epoch'] == divergence['epoch']
        assert all(np.isfinite(section).all() for section in tab.sections.values())
        assert all(v is None or np.isfinite(v) for point in tab.header['chart']['points'] for v in point)
        tab.send('python')
        script = tab.reply('python')['script']
        assert 'except TrainingDivergedError' in script
        assert_identical(run_script(script)[0].parameters(), tab.parameters())
        tab.close()


def test_uploads_a_model_a_csv_and_refuses_hostile_or_large_files_without_stopping():
    with client() as c:
        tab = Tab(c)
        tab.send('step')
        model = _saved(tab)
        session_id = tab.welcome['session']

        def upload(kind, body, token=TOKEN, headers=ORIGIN):
            tab.seq += 1            # the page numbers its uploads as its other controls
            return c.post('/upload?token={}&session={}&kind={}&seq={}'.format(token, session_id, kind, tab.seq),
                          content=body, headers=headers)

        assert upload('model', b'{}', token='wrong').status_code == 403
        assert upload('model', b'{}', headers={'origin': 'http://evil.example'}).status_code == 403
        assert upload('model', b' ' * (1024 * 1024 + 1)).status_code == 413
        hostile = ['[' * 100000, '{"format": "feedforward-neural-net", "version": 1, "layer_sizes": [2, 1e9, 1]}',
                   json.dumps(dict(model, weights=[[[1e308]]])), 'NaN', '\xff']
        for body in hostile:
            answer = upload('model', body.encode('utf-8', 'surrogatepass'))
            assert answer.status_code == 400 and answer.json()['error'], body[:40]
        tab.send('new_weights')
        tab.frame_after(tab.seq)
        assert upload('model', json.dumps(model).encode()).json() == {'ok': True}
        tab.frame_after(tab.send('pause'))
        assert_identical(tab.parameters(), NeuralNet.from_dict(model).parameters())
        csv = 'x1,x2,label\n' + '\n'.join('{},{},{}'.format(x, -x, int(x > 0)) for x in np.linspace(-5, 5, 40))
        assert upload('csv', csv.encode()).json() == {'ok': True}
        tab.until(lambda: tab.points is not None and tab.points[0]['n'] == 40, what='the CSV points')
        assert upload('csv', b'x1,x2,label\n1,2,1\nfoo,bar,baz\n').json() == {'ok': True}
        assert 'line' in tab.reply('error')['message']
        header, _ = tab.frame_after(tab.send('step'))
        assert header['steps'] == 1
        tab.close()


def test_two_tabs_train_independently_each_as_its_replay_does():
    with client() as c:
        first, second = Tab(c), Tab(c)
        second.frame_after(second.set(learning_rate=0.1, hidden=[6], shuffle_seed=9))
        first.send('play')
        second.send('play')
        for change in ({'learning_rate': 0.05}, {'batch_size': 25}):
            began = time.monotonic()
            while time.monotonic() - began < 1.0:
                first.pump()
                second.pump()
            first.frame_after(first.set(**change))
            second.frame_after(second.set(l2=0.01))
        for tab in (first, second):
            tab.paused()
            tab.send('python')
            assert_identical(run_script(tab.reply('python')['script'])[0].parameters(), tab.parameters())
        first.close()
        second.close()


def test_a_few_hundred_hostile_messages_while_another_tab_trains():
    rng = np.random.default_rng(0)
    samples = ['{}', 'null', '"play"', '{"type": null}', '{"type": "set", "seq": 1, "changes": []}',
               '{"type": "set", "seq": 1e400, "changes": {}}', '{"type": "add_point", "seq": 2, "x1": "a"}',
               '{"type": "inspect", "seq": 3, "layer": 1, "unit": 99999}', '{"type": "ack", "frame": -5}',
               '{"type": "set", "seq": 4, "changes": {"features": ["x1", "x1"]}}',
               '{"type": "set", "seq": 5, "changes": {"optimizer_settings": {"eps": 0}}}',
               '{"type": "set", "seq": 6, "changes": {"schedule_settings": {"factor": 5}}}',
               '{"type": "set", "seq": 7, "changes": {"hidden": "8,8"}}', '{"a":' * 50000]
    with client() as c:
        trainer, hostile = Tab(c), Tab(c)
        trainer.send('play')
        trainer.until(lambda: trainer.header['steps'] > 0)
        steps = trainer.header['steps']
        for i in range(300):
            if i % 3:
                text = samples[i % len(samples)]
            else:
                text = bytes(rng.integers(32, 127, rng.integers(1, 200)).astype(np.uint8)).decode()
            hostile.ws.send_text(text)
            if i % 10 == 0:
                trainer.pump()
        hostile.until(lambda: len(hostile.errors()) >= 250, timeout=20, what='the errors')
        trainer.until(lambda: trainer.header['steps'] > steps + 1000, what='training to go on')
        hostile.seq = 100          # above every seq the hostile messages held
        header, _ = hostile.frame_after(hostile.send('step'))
        assert header['steps'] >= 1
        trainer.close()
        hostile.close()


def test_an_activation_registered_before_serving_appears_and_trains():
    class Cube(Activation):
        name = 'PlaygroundCube'
        needs_z = True

        def activation(self, z, out=None):
            return np.power(z, 3, out=out)

        def derivative(self, z, a):
            return 3 * z * z

    register_activation(Cube)
    with client() as c:
        tab = Tab(c)
        assert 'PlaygroundCube' in tab.welcome['catalog']['activations']
        header, _ = tab.frame_after(tab.set(hidden_activation='PlaygroundCube', hidden=[3]))
        assert header['activations'] == ['PlaygroundCube', 'Sigmoid']
        tab.send('step')
        tab.send('python')
        script = tab.reply('python')['script']
        assert "ACTIVATIONS['PlaygroundCube']" in script and 'Register the activation' in script
        tab.close()


class SignDescent(UpdateRule):
    """Sign descent with a decay of the step, registered by the test as a script of a user would::

        theta <- theta - eta shrink^(t - 1) sign(g)
    """
    name = 'playground_sign'
    shrink = Setting(Interval(0, 1, closed='right'), default=1.0)
    state_scalars = {'step_count': Integer(0)}

    def update(self, theta, g, scratch, learning_rate):
        np.sign(g, out=scratch)
        scratch *= learning_rate * self.shrink ** self.step_count
        theta -= scratch

    def end_steps(self):
        pass

    def begin_step(self, learning_rate):
        self.step_count += 1


@pytest.mark.parametrize('optimizer, settings, later, schedule', [
    ('rmsprop', {'alpha': 0.9, 'momentum': 0.5, 'centered': True}, {'alpha': 0.95}, ('plateau', {'patience': 0})),
    ('adagrad', {'lr_decay': 0.01, 'initial_accumulator_value': 0.1}, {'lr_decay': 0.02}, ('step', {'step_size': 1})),
    ('adamw', {'beta1': 0.8, 'amsgrad': True, 'weight_decay': 0.1}, {'weight_decay': 0.2}, ('exponential', {})),
    ('playground_sign', {'shrink': 0.99}, {'shrink': 0.9}, ('constant', {}))])
def test_every_update_rule_and_schedule_of_the_registries_trains_and_replays_bit_for_bit(optimizer, settings, later,
                                                                                           schedule):
    register_optimizer(SignDescent)
    with client() as c:
        tab = Tab(c)
        catalog = {entry['name']: entry for entry in tab.welcome['catalog']['optimizers']}
        assert set(OPTIMIZERS) <= set(catalog) and 'playground_sign' in catalog
        assert {s['name'] for s in catalog['adam']['settings']} == {'beta1', 'beta2', 'eps', 'amsgrad'}
        tab.frame_after(tab.set(optimizer=optimizer, learning_rate=0.01, schedule=schedule[0]))
        tab.frame_after(tab.set(optimizer_settings=settings, schedule_settings=schedule[1]))
        tab.send('play')
        tab.until(lambda: tab.header['epoch'] >= 3, what='3 epochs')
        tab.paused()
        tab.frame_after(tab.set(optimizer_settings=dict(settings, **later)))
        tab.send('step')
        tab.send('inspect', layer=1, unit=0, source=0)
        answer = tab.reply('inspect')
        assert answer['formula'].count('←') >= 1 and answer['state']
        tab.send('python')
        script = tab.reply('python')['script']
        assert not tab.errors(), tab.errors()
        net, trainer = run_script(script)
        assert_identical(net.parameters(), tab.parameters())
        assert type(trainer.rule) is OPTIMIZERS[optimizer]
        assert ("Register the update rule 'playground_sign'" in script) == (optimizer == 'playground_sign')
        tab.close()


def test_the_formula_shown_is_the_rules_docstring_with_the_lines_its_settings_use():
    from feedforward_playground.training import update_formula
    register_optimizer(SignDescent)
    assert 'v_max' not in update_formula('adam', {}) and 'v_max ← max(v_max, v)' in update_formula(
        'adam', {'amsgrad': True})
    rmsprop = update_formula('rmsprop', {'momentum': 0.5})
    assert 'b ← μ b + g / d' in rmsprop and 'η g / d' not in rmsprop and 'a ←' not in rmsprop
    assert update_formula('adamw', {}).startswith('θ ← θ (1 − η λ_w)\nm ← β₁ m + (1 − β₁) g\n')
    assert update_formula('playground_sign', {}) == 'θ ← θ − η shrink^(t − 1) sign(g)'


def test_inspect_and_trace_give_the_numbers_of_a_weight_and_of_one_step():
    with client() as c:
        tab = Tab(c)
        tab.frame_after(tab.set(hidden=[3]))
        tab.send('inspect', layer=2, unit=0, source=1)
        answer = tab.reply('inspect')
        net = NeuralNet.from_dict(_saved(tab))
        assert answer['value'] == net.weights()[1][1, 0]
        session = next(iter(c.app.state.sessions.values()))
        gradient = CrossEntropyCost(net).gradient(*session.data.training)
        assert answer['gradient'] == gradient[3 * 2 + 3 + 1 * 1 + 0]
        assert answer['formula'] == 'θ ← θ − η g'
        tab.send('trace')
        text = tab.reply('trace')['text']
        assert 'w(h1_2->o1)' in text and 'largest difference' in text
        assert float(text.split('largest difference ')[1].split()[0]) < 1e-12
        tab.close()


def test_ctrl_c_stops_the_server_within_two_seconds_while_a_tab_trains():
    from websockets.sync.client import connect
    process = subprocess.Popen([sys.executable, '-m', 'feedforward_playground', '--no-browser', '--port', '0'],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        url = line.split()[line.split().index('at') + 1]
        port = url.split(':')[2].split('/')[0]
        token = url.split('token=')[1]
        with connect('ws://127.0.0.1:{}/ws?token={}'.format(port, token),
                     origin='http://127.0.0.1:{}'.format(port)) as ws:
            assert json.loads(ws.recv())['type'] == 'welcome'
            ws.send(json.dumps({'type': 'play', 'seq': 1}))
            for _ in range(5):
                header, _ = unpack(ws.recv())
                if header['type'] == 'frame':
                    ws.send(json.dumps({'type': 'ack', 'frame': header['n']}))
            began = time.monotonic()
            process.send_signal(signal.SIGINT)
            process.wait(5)
            assert time.monotonic() - began < 2.0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_server_listens_on_loopback_unless_told_and_then_warns(capsys):
    from feedforward_playground.server import Server, is_loopback
    server = Server(port=0, quiet=True)
    assert server.socket.getsockname()[0] == '127.0.0.1' and server.url.startswith('http://127.0.0.1:')
    assert 'token=' + server.token in server.url and len(server.token) >= 32
    server.socket.close()
    assert capsys.readouterr().err == ''
    elsewhere = Server(host='0.0.0.0', port=0, quiet=True)
    elsewhere.socket.close()
    assert 'warning' in capsys.readouterr().err
    assert is_loopback('127.0.0.1') and is_loopback('localhost') and not is_loopback('0.0.0.0')


@pytest.mark.skipif(not datasets.mnist_available(), reason='the MNIST mode needs the MNIST files: set MNIST_DIR')
def test_the_mnist_mode_shows_the_confusion_matrix_the_most_wrong_digits_and_answers_the_pad():
    with client() as c:
        tab = Tab(c)
        tab.frame_after(tab.set(kind='mnist', output_activation='Softmax', hidden=[16], learning_rate=0.1))
        tab.until(lambda: tab.points is not None and tab.points[0]['task'] == 'digits', what='the digits')
        for _ in range(3):
            header, sections = tab.frame_after(tab.send('epoch'))
        assert header['epoch'] == 3 and header['sizes'] == [784, 16, 10]
        net = NeuralNet.from_dict(_saved(tab))
        X, Y = datasets.make_data('mnist', points=500, test_share=0.5, seed=0).test
        assert len(X) == 500 and np.array_equal(tab.points[1]['images'], np.rint(255 * X).astype(np.uint8).ravel())
        outputs = net.feed(X)
        truth, guess = Y.argmax(axis=1), outputs.argmax(axis=1)
        expected = np.zeros((10, 10), int)
        np.add.at(expected, (truth, guess), 1)
        assert np.array_equal(sections['confusion'].reshape(10, 10), expected)
        wrong = sections['wrong']
        true_output = outputs[np.arange(500), truth]
        misclassified = np.flatnonzero(guess != truth)
        assert len(wrong) == 12 and np.array_equal(sections['wrong_guess'], guess[wrong])
        assert np.array_equal(np.sort(true_output[wrong]), np.sort(true_output[misclassified])[:12])
        tab.send('classify', pixels=X[7].tolist())
        answer = tab.reply('classified')
        assert answer['digit'] == guess[7] and np.allclose(answer['outputs'], outputs[7], rtol=0, atol=1e-15)
        tab.send('python')
        assert_identical(run_script(tab.reply('python')['script'])[0].parameters(), net.parameters())
        tab.ws.send_text(json.dumps({'type': 'classify', 'seq': tab.seq + 1, 'pixels': [2.0] * 784}))
        assert tab.reply('error')['field'] == 'pixels[0]'
        tab.close()


def test_without_the_extra_the_server_says_which_to_install():
    code = ('import sys; sys.modules["starlette"] = None\n'
            'try:\n    import feedforward_playground.server\nexcept ImportError as error:\n    print(error)')
    done = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert 'pip install ".[playground]"' in done.stdout and 'feedforward-nets[playground]' in done.stdout
    done = subprocess.run([sys.executable, '-c', 'import feedforward_playground, sys; '
                                                 'print(sorted(m for m in sys.modules if m.startswith("starlette")))'],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == '[]'      # the package imports its server only when it serves


def test_sessions_are_independent_of_the_server_and_copy_nothing_back():
    session = Session({'hidden': (4,)})
    snapshot = session.snapshot()
    assert snapshot.net is not session.net and snapshot.net.layer_sizes() == [2, 4, 1]
    assert not np.shares_memory(snapshot.params, session.net.parameters())
    before = session.net.parameters().copy()
    FrameBuilder().build(snapshot)          # writes the snapshot's parameters into a net of its own
    assert_identical(session.net.parameters(), before)
    assert session.close()
