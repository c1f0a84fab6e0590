"""The playground's speed, measured in one run against the targets of its issue.

    python benchmarks/playground_speed.py                    # 10 s of each measurement
    python benchmarks/playground_speed.py --seconds 5 --changes 40

One session trains a 2-8-8-1 net (Tanh, Sigmoid output, cross-entropy, SGD,
batches of 10) on 500 XOR points, first with no page (its steps per second),
then served to a real headless Chromium (Debian's ``chromium``, driven by
Playwright) that draws every frame: the steps per second of training while
frames stream, the frames per second the page drew, and their size and the
server's time to compute each one. Then, while it plays, the page changes the
learning rate ``--changes`` times and times each change from the moment it sends
it to the first frame that reflects it. Last, the page's size (HTML, JS and
CSS) and its load time (navigation start to the first frame drawn).
"""
import argparse
import os
import shutil
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from feedforward_playground.session import Session  # noqa: E402

ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
STATIC = os.path.join(ROOT, 'feedforward_playground', 'static')


def steps_per_second(session, seconds):
    """The steps per second ``session`` trains over ``seconds`` (it is playing)."""
    began, steps = time.perf_counter(), session.steps
    time.sleep(seconds)
    return (session.steps - steps) / (time.perf_counter() - began)


def headless(seconds):
    session = Session().start()
    session.submit('play', 1)
    time.sleep(0.5)
    rate = steps_per_second(session, seconds)
    session.close()
    return rate


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def with_page(seconds, changes):
    from playwright.sync_api import sync_playwright

    from feedforward_playground.server import Server
    chromium = shutil.which('chromium') or shutil.which('chromium-browser')
    if chromium is None:
        sys.exit('this benchmark needs Debian\'s chromium: apt-get install chromium')
    server = Server(port=0, quiet=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
            page = browser.new_context(viewport={'width': 1480, 'height': 980}, bypass_csp=True).new_page()
            page.goto(server.url)
            page.wait_for_function('window.playground && window.playground.ready', timeout=20000)
            load_ms = page.evaluate('performance.now()')
            session = next(iter(server.app.state.sessions.values()))
            page.click('#play')
            time.sleep(0.5)
            frames = page.evaluate('window.playground.stats.frames')
            drawn = page.evaluate('window.playground.stats.sizes.length')
            began = time.perf_counter()
            rate = steps_per_second(session, seconds)
            elapsed = time.perf_counter() - began
            frame_rate = (page.evaluate('window.playground.stats.frames') - frames) / elapsed
            sizes = page.evaluate('window.playground.stats.sizes').copy()[drawn:]
            build = page.evaluate('window.playground.stats.buildMs').copy()[drawn:]
            draw = page.evaluate('window.playground.stats.drawMs').copy()[drawn:]
            page.evaluate('window.playground.stats.latencies = []')
            for i in range(changes):
                page.fill('#learning_rate', str(0.03 + 0.001 * (i % 7 + 1)))
                page.dispatch_event('#learning_rate', 'change')
                time.sleep(0.15)
            page.wait_for_function('window.playground.stats.lastFrame.seq >= window.playground.state.seq')
            latencies = page.evaluate('window.playground.stats.latencies')
            browser.close()
    finally:
        server.stop()
    return dict(rate=rate, frame_rate=frame_rate, sizes=sizes, build=build, draw=draw, latencies=latencies,
                load_ms=load_ms)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seconds', type=float, default=10.0, help='seconds of each rate measured (default 10)')
    parser.add_argument('--changes', type=int, default=60, help='learning-rate changes timed (default 60)')
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.changes < 1:
        parser.error('--seconds must be above 0 and --changes at least 1')
    alone = headless(args.seconds)
    page = with_page(args.seconds, args.changes)
    page_bytes = sum(os.path.getsize(os.path.join(STATIC, name)) for name in os.listdir(STATIC))
    latencies = page['latencies']
    rows = [
        ('steps/s with no page', '{:,.0f}'.format(alone), ''),
        ('steps/s while frames stream', '{:,.0f}'.format(page['rate']),
         '{:.0%} of no page (target >= 70%)'.format(page['rate'] / alone)),
        ('frames/s drawn by the page', '{:.1f}'.format(page['frame_rate']), 'target >= 15'),
        ('frame size, median / largest', '{:.1f} / {:.1f} KB'.format(statistics.median(page['sizes']) / 1024,
                                                                    max(page['sizes']) / 1024), 'target <= 16 KB'),
        ('frame compute, median / p95', '{:.2f} / {:.2f} ms'.format(statistics.median(page['build']),
                                                                   percentile(page['build'], 0.95)),
         'target <= 10 ms'),
        ('frame drawing in the page, median', '{:.2f} ms'.format(statistics.median(page['draw'])), ''),
        ('control change to its frame, median / p95', '{:.0f} / {:.0f} ms'.format(
            statistics.median(latencies), percentile(latencies, 0.95)), 'target <= 100 / 250 ms ({} changes)'.format(
            len(latencies))),
        ('page (HTML, JS, CSS)', '{:.1f} KB'.format(page_bytes / 1024), 'target <= 300 KB'),
        ('page load to its first frame', '{:.0f} ms'.format(page['load_ms']), 'target <= 1000 ms'),
    ]
    width = max(len(row[0]) for row in rows)
    for name, value, note in rows:
        print('{:<{}}  {:>18}  {}'.format(name, width, value, note))


if __name__ == '__main__':
    main()
