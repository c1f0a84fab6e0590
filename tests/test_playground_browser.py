"""The playground in a real headless Chromium (Debian's ``chromium``, driven by Playwright by its path).

CI installs chromium (.ci/run), and there these tests must run: without it
they fail in CI and skip elsewhere, saying why. The screenshots of
docs/playground.md are taken here: set ``PLAYGROUND_SCREENSHOTS=docs`` to
write them there (otherwise they go to a temporary folder).
"""
import json
import os
import shutil
import time

import numpy as np
import pytest

from playground_support import assert_identical, library_run, run_script

from neural_net import NeuralNet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
if CHROMIUM is None:
    if os.environ.get('CI'):
        raise RuntimeError('CI must run the browser tests: install chromium (apt-get install chromium; .ci/run does)')
    pytest.skip('the browser tests need Debian\'s chromium: apt-get install chromium', allow_module_level=True)
sync_api = pytest.importorskip('playwright.sync_api', reason='the browser tests need playwright (requirements.txt)')

ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
VIEWPORT = {'width': 1480, 'height': 980}
#: The part of the page the screenshots show: all of it but the empty space below.
CLIP = {'x': 0, 'y': 0, 'width': 1480, 'height': 820}


@pytest.fixture(scope='module')
def server():
    from feedforward_playground.server import Server
    running = Server(port=0, quiet=True).start()
    yield running
    running.stop()


@pytest.fixture(scope='module')
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope='module')
def shots(tmp_path_factory):
    folder = os.environ.get('PLAYGROUND_SCREENSHOTS')
    if folder:
        folder = os.path.join(ROOT, folder) if not os.path.isabs(folder) else folder
        os.makedirs(folder, exist_ok=True)
        return folder
    return str(tmp_path_factory.mktemp('screenshots'))


class Page:
    """A tab of the playground: its page, what it logged, and helpers that wait for the frames."""

    def __init__(self, browser, server, hash_=''):
        # The page's Content-Security-Policy forbids eval, which Playwright's wait_for_function needs.
        self.context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, bypass_csp=True)
        self.page = self.context.new_page()
        self.console_errors, self.requests = [], []
        self.page.on('console', lambda m: self.console_errors.append(m.text) if m.type == 'error' else None)
        self.page.on('pageerror', lambda e: self.console_errors.append(str(e)))
        self.page.on('request', lambda r: self.requests.append(r.url))
        self.page.on('websocket', lambda ws: self.requests.append(ws.url))
        self.page.goto(server.url + ('#' + hash_ if hash_ else ''))
        self.page.wait_for_function('window.playground && window.playground.ready', timeout=15000)
        self.settled()

    def close(self):
        self.context.close()

    def js(self, expression, argument=None):
        return self.page.evaluate(expression, argument)

    def header(self):
        return self.js('window.playground.state.header')

    def settled(self, timeout=10000):
        """Wait for a frame that reflects every control the page has sent."""
        self.page.wait_for_function('window.playground.stats.lastFrame && '
                                    'window.playground.stats.lastFrame.seq >= window.playground.state.seq',
                                    timeout=timeout)
        return self.header()

    def click(self, selector):
        self.page.click(selector)
        return self.settled()

    def set_field(self, selector, value):
        self.page.fill(selector, str(value))
        self.page.dispatch_event(selector, 'change')
        return self.settled()

    def play_until(self, condition, timeout=10.0):
        self.click('#play')
        self.page.wait_for_function(condition, timeout=int(1000 * timeout))

    def pause(self):
        if self.header()['running']:
            return self.click('#play')
        return self.header()

    def parameters(self):
        """The parameters the page's "Save model" downloads."""
        with self.page.expect_download() as download:
            self.page.click('#save')
        return NeuralNet.create_from_file(download.value.path()).parameters()

    def script(self):
        self.js('window.playground.lastScript = null')
        self.page.click('#python')
        self.page.wait_for_function('window.playground.lastScript !== null')
        script = self.js('window.playground.lastScript')
        self.page.click('#dialog-close')
        return script

    def surface(self):
        """A digest (SHA-256) of the surface's pixels, as the page drew them."""
        return self.js("crypto.subtle.digest('SHA-256', document.getElementById('surface').getContext('2d')"
                       ".getImageData(0, 0, 400, 400).data).then((d) => Array.from(new Uint8Array(d)).join(','))")


@pytest.fixture
def tab(browser, server):
    opened = Page(browser, server)
    yield opened
    opened.close()


def test_the_page_loads_with_no_console_error_and_no_request_to_any_other_host(tab, server):
    tab.play_until('window.playground.stats.frames > 20')
    tab.page.hover('#network canvas.unit[data-layer="1"][data-unit="0"]')
    tab.page.wait_for_function('window.playground.lastInspect !== null')
    tab.pause()
    tab.page.click('#trace')
    tab.page.wait_for_function('window.playground.lastTrace !== null')
    origin = server.url.split('/?')[0]
    elsewhere = [url for url in tab.requests if not (url.startswith(origin + '/') or
                                                   url.startswith(origin.replace('http', 'ws', 1) + '/') or
                                                   url.startswith(('data:', 'blob:')))]
    assert not elsewhere
    assert not tab.console_errors, tab.console_errors
    page_bytes = sum(os.path.getsize(os.path.join(ROOT, 'feedforward_playground', 'static', name))
                     for name in os.listdir(os.path.join(ROOT, 'feedforward_playground', 'static')))
    assert page_bytes <= 300 * 1024


def test_play_learns_xor_to_95_percent_test_accuracy_within_10_seconds(tab, shots):
    began = time.monotonic()
    tab.click('#play')
    tab.page.wait_for_function('(() => { const m = document.getElementById("metrics").textContent; '
                               'const found = m.match(/test accuracy ([0-9.]+)%/); '
                               'return found && parseFloat(found[1]) >= 95; })()', timeout=10000)
    assert time.monotonic() - began < 10
    time.sleep(1.5)
    tab.pause()
    costs = tab.js('window.playground.chart.points.map((p) => p[2])')
    assert costs[-1] < 0.5 * costs[0]          # the test cost fell
    time.sleep(1)            # frames go on while the chart has points to send
    tab.page.screenshot(path=os.path.join(shots, 'playground.png'), clip=CLIP)


def test_the_surface_drawn_agrees_with_the_nets_own_feed_at_the_test_points(tab):
    # Early in training (10 epochs), while the net is unsure of a third of the test points: a drawing that
    # moved the boundary, or drew the grid's cells instead of interpolating between its nodes, would show.
    for _ in range(10):
        tab.click('#epoch')
    assert tab.header()['epoch'] == 10
    parameters = tab.parameters()
    drawn = tab.js('''(() => {
        const p = window.playground.state, xy = p.pointsData.xy, test = p.pointsData.test;
        const [[lo1, hi1], [lo2, hi2]] = p.points.domain;
        const ctx = document.getElementById('surface').getContext('2d');
        const out = [];
        for (let i = 0; i < test.length; i++) {
            if (!test[i]) continue;
            const px = Math.min(399, Math.floor((xy[2 * i] - lo1) / (hi1 - lo1) * 400));
            const py = Math.min(399, Math.floor((hi2 - xy[2 * i + 1]) / (hi2 - lo2) * 400));
            const d = ctx.getImageData(px, py, 1, 1).data;
            out.push([xy[2 * i], xy[2 * i + 1], d[0], d[1], d[2]]);
        }
        return out;
    })()''')
    drawn = np.array(drawn)
    net = NeuralNet.create_from_file(_saved_model(tab, parameters))
    predicted = net.feed(drawn[:, :2])[:, 0] > 0.5
    blue = drawn[:, 4] > drawn[:, 2]            # class 1 blue, class 0 orange
    assert len(drawn) == 250
    agreement = np.mean(blue == predicted)
    assert agreement >= 0.99, agreement
    assert 0.3 < predicted.mean() < 0.7        # both classes are there to be told apart


def _saved_model(tab, parameters):
    """The page's model file again (the download's path), checked to hold ``parameters``."""
    with tab.page.expect_download() as download:
        tab.page.click('#save')
    path = download.value.path()
    assert_identical(NeuralNet.create_from_file(path).parameters(), parameters)
    return path


def test_a_change_of_learning_rate_activation_or_architecture_during_play_shows_in_the_next_frames(tab):
    tab.click('#play')
    tab.page.wait_for_function('window.playground.stats.lastFrame.epoch >= 2')
    header = tab.set_field('#learning_rate', 0.1)
    assert header['learning_rate'] == 0.1 and header['running']
    assert 'learning rate 0.100' in tab.page.text_content('#status')
    tab.page.select_option('#hidden_activation', 'Rectifier')
    header = tab.settled()
    assert header['activations'] == ['Rectifier', 'Rectifier', 'Sigmoid'] and header['running']
    header = tab.click('#add-layer')
    assert header['sizes'] == [2, 8, 8, 8, 1]
    assert tab.page.locator('#network canvas.unit').count() == 2 + 8 * 3 + 1
    tab.page.click('#layer-buttons .unit-buttons button >> nth=0')
    assert tab.settled()['sizes'] == [2, 9, 8, 8, 1]
    # A click on the plane adds a training point, of the class chosen, where it was clicked.
    tab.page.select_option('#add-class', '1')
    tab.page.click('#overlay', position={'x': 100, 'y': 300})
    tab.settled()
    tab.page.wait_for_function('window.playground.state.points.n === 501')
    xy, target, test = tab.js('(() => { const d = window.playground.state.pointsData; '
                              'return [Array.from(d.xy.slice(-2)), d.target[500], d.test[500]]; })()')
    assert np.allclose(xy, [-6 + 12 * 100 / 400, 6 - 12 * 300 / 400], atol=1e-5) and target == 1 and test == 0
    tab.click('#play')
    tab.page.wait_for_function('window.playground.stats.lastFrame.epoch >= 1')


def test_step_advances_exactly_one_batch_and_reset_restores_the_initial_parameters(tab):
    initial = tab.parameters()
    setup = tab.js('window.playground.state.setup')
    for steps in (1, 2):
        header = tab.click('#step')
        assert (header['steps'], header['batch'], header['epoch']) == (steps, steps, 0)
        assert_identical(tab.parameters(), library_run(setup, steps).parameters())
    tab.click('#play')
    tab.page.wait_for_function('window.playground.stats.lastFrame.epoch >= 5')
    tab.pause()
    assert not np.array_equal(tab.parameters(), initial)
    header = tab.click('#reset')
    assert (header['epoch'], header['steps']) == (0, 0)
    assert_identical(tab.parameters(), initial)


def test_two_tabs_train_independently_and_copy_as_python_reproduces_each(browser, server):
    first = Page(browser, server)
    second = Page(browser, server, 'learning_rate=0.1&hidden=6&shuffle_seed=9&optimizer=adam')
    try:
        assert second.header()['sizes'] == [2, 6, 1] and first.header()['sizes'] == [2, 8, 8, 1]
        for page in (first, second):
            page.click('#play')
        for page in (first, second):
            page.page.wait_for_function('window.playground.stats.lastFrame.epoch >= 10')
        first.set_field('#batch_size', 25)
        second.set_field('#learning_rate', 0.02)
        for page in (first, second):
            page.page.wait_for_function('window.playground.stats.lastFrame.epoch >= 20')
        for page in (first, second):
            page.pause()
            net, _ = run_script(page.script())
            assert_identical(net.parameters(), page.parameters())
        assert 'hidden=6' in second.page.url and 'shuffle_seed=9' in second.page.url     # the set-up in the URL
    finally:
        first.close()
        second.close()


def test_save_then_load_gives_the_same_surface(tab, tmp_path):
    tab.click('#play')
    tab.page.wait_for_function('window.playground.stats.lastFrame.epoch >= 20')
    tab.pause()
    before = tab.surface()
    with tab.page.expect_download() as download:
        tab.page.click('#save')
    path = str(tmp_path / 'model.json')
    download.value.save_as(path)
    tab.click('#new-weights')
    assert tab.surface() != before
    version = tab.header()['net_version']
    tab.page.set_input_files('#load', path)
    tab.page.wait_for_function('window.playground.state.header.net_version > {}'.format(version))
    tab.settled()
    assert tab.surface() == before
    hostile = tmp_path / 'hostile.json'
    hostile.write_text(json.dumps({'format': 'feedforward-neural-net', 'version': 1, 'layer_sizes': [2, 10 ** 9, 1]}))
    tab.page.set_input_files('#load', str(hostile))
    tab.page.wait_for_function('window.playground.stats.errors.length > 0')
    assert tab.js('window.playground.stats.errors[0].message').startswith('the model file: ')
    assert tab.click('#step')['steps'] == 1


def test_divergence_is_shown_with_its_epoch_and_batch_and_nothing_drawn_is_nan(browser, server, shots):
    page = Page(browser, server, 'kind=plane&output_activation=Identity&cost=QuadraticCost&hidden_activation=Identity'
                                 '&learning_rate=1')
    try:
        page.click('#play')
        page.page.wait_for_selector('#divergence:not([hidden])', timeout=10000)
        text = page.page.text_content('#divergence')
        header = page.header()
        assert 'diverged in epoch 1 at batch {}'.format(header['divergence']['batch']) in text
        assert 'undone' in text and not header['running']
        assert 'NaN' not in page.page.text_content('body')
        page.page.screenshot(path=os.path.join(shots, 'playground_divergence.png'), clip={
            'x': 0, 'y': 0, 'width': VIEWPORT['width'], 'height': 560})
    finally:
        page.close()


def test_the_mnist_mode_answers_a_digit_drawn_on_the_pad(browser, server, shots):
    from feedforward_playground import datasets
    if not datasets.mnist_available():
        pytest.skip('the MNIST mode needs the MNIST files: set MNIST_DIR')
    page = Page(browser, server, 'kind=mnist&output_activation=Softmax&hidden=16&learning_rate=0.1&points=2000'
                                 '&test_share=0.2')
    try:
        page.page.wait_for_function('window.playground.state.points.task === "digits"', timeout=20000)
        page.click('#play')
        page.page.wait_for_function('window.playground.stats.lastFrame.epoch >= 40', timeout=30000)
        page.pause()
        assert page.page.locator('#confusion td').count() == 100 and page.page.locator('#wrong figure').count() == 12
        box = page.page.locator('#pad').bounding_box()
        page.page.mouse.move(box['x'] + 80, box['y'] + 40)
        page.page.mouse.down()
        for x, y in [(150, 40), (150, 60), (120, 110), (100, 190)]:          # a 7
            page.page.mouse.move(box['x'] + x, box['y'] + y, steps=5)
        page.page.mouse.up()
        page.page.wait_for_function('window.playground.lastClassified !== undefined')
        answer = page.js('window.playground.lastClassified')
        assert abs(sum(answer['outputs']) - 1) < 1e-9 and page.page.text_content('#answer .guess') == str(answer['digit'])
        assert not page.console_errors, page.console_errors
        page.page.screenshot(path=os.path.join(shots, 'playground_mnist.png'), clip=CLIP)
    finally:
        page.close()


def test_screenshots_of_the_other_views(browser, server, shots):
    views = [('playground_spirals.png', 'kind=spirals&noise=0.1&features=x1,x2,x1^2,x2^2,x1*x2,sin(x1),sin(x2)'
                                        '&hidden=8,8,6&optimizer=adam&learning_rate=0.01', 20),
             ('playground_curve.png', 'kind=sine&output_activation=Identity&cost=QuadraticCost&hidden=6'
                                      '&learning_rate=0.05&noise=0.1', 40)]
    for name, hash_, epochs in views:
        page = Page(browser, server, hash_)
        try:
            page.click('#play')
            page.page.wait_for_function('window.playground.stats.lastFrame.epoch >= {}'.format(epochs))
            time.sleep(2)
            page.pause()
            time.sleep(1)            # frames go on while the chart has points to send
            page.page.hover('#network canvas.unit[data-layer="1"][data-unit="1"]')
            page.page.wait_for_function('window.playground.lastInspect !== null')
            page.page.wait_for_selector('#tooltip:not([hidden])')
            page.page.screenshot(path=os.path.join(shots, name), clip=CLIP)
        finally:
            page.close()
    page = Page(browser, server, 'hidden=3')
    try:
        page.click('#step')
        page.page.click('#trace')
        page.page.wait_for_function('window.playground.lastTrace !== null')
        assert 'largest difference' in page.js('window.playground.lastTrace')
        page.page.locator('#dialog').screenshot(path=os.path.join(shots, 'playground_trace.png'))
    finally:
        page.close()
