"""The playground's speed, measured in one run against the targets of its issue.

    python benchmarks/playground_speed.py                    # 7 rounds of 2 s each way, 60 changes
    python benchmarks/playground_speed.py --rounds 3 --seconds 1 --changes 20

Two sessions of the same set-up train a 2-8-8-1 net (Tanh, Sigmoid output,
cross-entropy, SGD, batches of 10) on 500 XOR points: one with no page, the
other served to a real headless Chromium (Debian's ``chromium``, driven by
Playwright) that draws every frame. They train in turns, ``--seconds`` each,
for ``--rounds`` rounds, so that both see the same moments of a shared
machine; the ratio of their steps per second is taken within each round, and
the median over the rounds is reported. Beside it: the frames per second the
page drew, their size, the server's time to compute each one and the page's
time to draw it. Then, while it plays, the page changes the
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


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(rounds, seconds, changes):
    from playwright.sync_api import sync_playwright

    from feedforward_playground.server import Server
    chromium = shutil.which('chromium') or shutil.which('chromium-browser')
    if chromium is None:
        sys.exit('this benchmark needs Debian\'s chromium: apt-get install chromium')
    alone = Session().start()
    server = Server(port=0, quiet=True).start()
    result = {'alone': [], 'page': [], 'frame_rate': [], 'sizes': [], 'build': [], 'draw': []}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
            page = browser.new_context(viewport={'width': 1480, 'height': 980}, bypass_csp=True).new_page()
            page.goto(server.url)
            page.wait_for_function('window.playground && window.playground.ready', timeout=20000)
            result['load_ms'] = page.evaluate('performance.now()')
            served = next(iter(server.app.state.sessions.values()))
            for round_ in range(rounds):
                alone.submit('play', 2 * round_ + 1)
                time.sleep(0.3)
                result['alone'].append(steps_per_second(alone, seconds))
                alone.submit('pause', 2 * round_ + 2)
                page.click('#play')
                time.sleep(0.3)
                frames = page.evaluate('window.playground.stats.frames')
                drawn = page.evaluate('window.playground.stats.sizes.length')
                began = time.perf_counter()
                result['page'].append(steps_per_second(served, seconds))
                elapsed = time.perf_counter() - began
                result['frame_rate'].append((page.evaluate('window.playground.stats.frames') - frames) / elapsed)
                for key, name in (('sizes', 'sizes'), ('build', 'buildMs'), ('draw', 'drawMs')):
                    result[key] += page.evaluate('window.playground.stats.{}.slice({})'.format(name, drawn))
                page.click('#play')
            page.click('#play')
            time.sleep(0.5)
            page.evaluate('window.playground.stats.latencies = []')
            for i in range(changes):
                page.fill('#learning_rate', str(0.03 + 0.001 * (i % 7 + 1)))
                page.dispatch_event('#learning_rate', 'change')
                time.sleep(0.15)
            page.wait_for_function('window.playground.stats.lastFrame.seq >= window.playground.state.seq')
            result['latencies'] = page.evaluate('window.playground.stats.latencies')
            browser.close()
    finally:
        server.stop()
        alone.close()
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=7, help='rounds of training in turns (default 7)')
    parser.add_argument('--seconds', type=float, default=2.0,
                        help='seconds each session trains in a round (default 2)')
    parser.add_argument('--changes', type=int, default=60, help='learning-rate changes timed (default 60)')
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.changes < 1 or args.rounds < 1:
        parser.error('--seconds must be above 0, --rounds and --changes at least 1')
    page = measure(args.rounds, args.seconds, args.changes)
    ratios = [p / a for p, a in zip(page['page'], page['alone'])]
    page_bytes = sum(os.path.getsize(os.path.join(STATIC, name)) for name in os.listdir(STATIC))
    latencies = page['latencies']
    rows = [
        ('steps/s with no page, median', '{:,.0f}'.format(statistics.median(page['alone'])), ''),
        ('steps/s while frames stream, median', '{:,.0f}'.format(statistics.median(page['page'])),
         'ratio {:.0%} (median of {} rounds: {:.0%} to {:.0%}; target >= 70%)'.format(
             statistics.median(ratios), len(ratios), min(ratios), max(ratios))),
        ('frames/s drawn by the page, median', '{:.1f}'.format(statistics.median(page['frame_rate'])),
         'target >= 15'),
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
