"""The playground's web server: the page, one WebSocket per tab (one ``Session`` each), and uploads.

Safety, as Jupyter does it: the server listens on 127.0.0.1 unless told
otherwise (and then warns); every request but the page's static files needs
the per-run token the printed URL carries; a WebSocket or an upload whose
Origin is not the server's own page, or whose Host is not the server's
(DNS rebinding), is refused. Messages are bounded (``MAX_MESSAGE_BYTES``) and
checked (``protocol.check_message``); uploads are bounded
(``MAX_UPLOAD_BYTES``) and a model file is read by the library's own reader.
"""
import asyncio
import contextlib
import ipaddress
import json
import math
import os
import secrets
import socket
import sys
import threading
import time
import webbrowser

try:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, JSONResponse, PlainTextResponse
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles
    from starlette.websockets import WebSocketDisconnect
except ImportError as error:         # pragma: no cover - depends on the environment
    raise ImportError('the playground needs Starlette and uvicorn: pip install "feedforward-nets[playground]" (from '
                      'a clone of the repository: pip install ".[playground]"); {}'.format(error)) from None

import activation_functions
import cost_functions
from feedforward_model_file import max_json_values, parse_json
from neural_net import ModelFileError, NeuralNet

from . import datasets, training
from .frames import FrameBuilder, points_message
from .protocol import MAX_LAYERS, MAX_MESSAGE_BYTES, MAX_UNITS, MAX_UPLOAD_BYTES, ProtocolError, check_message, limits
from .session import Session

__all__ = ['Server', 'create_app', 'FRAME_INTERVAL']

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'static')
#: About 20 frames a second while something changes; a frame that reflects a new control may go sooner.
FRAME_INTERVAL = 0.05
SOONEST_AFTER_CONTROL = 0.01
#: Frames sent but not yet acknowledged by the page: beyond this, the server waits (newest wins).
MAX_IN_FLIGHT = 2
#: While nothing changes, a frame every second still shows the page that the session is alive.
IDLE_INTERVAL = 1.0
#: The largest model file the playground takes (parameters); the page's nets have fewer than 40,000.
MAX_MODEL_PARAMETERS = 100_000
#: The interpreter's thread switch interval while the server runs (see ``Server._quick_switches``).
SWITCH_INTERVAL = 0.001
LOOPBACK_NAMES = ('127.0.0.1', 'localhost', '[::1]')


def catalog():
    """What the page offers: read afresh for every tab, so that what a script registered shows."""
    return {
        'activations': list(activation_functions.ACTIVATIONS),
        'costs': list(cost_functions.COSTS),
        'optimizers': training.optimizer_catalog(),
        'schedules': training.schedule_catalog(),
        'learning_rate': training.LEARNING_RATE, 'batch_size': training.BATCH_SIZE, 'dropout': training.DROPOUT,
        'kinds': {'classification': list(datasets.CLASSIFICATION), 'regression': list(datasets.REGRESSION),
                  'curve': list(datasets.CURVES), 'digits': list(datasets.DIGITS) if datasets.mnist_available() else []},
        'features': list(datasets.PLANE_FEATURES), 'curve_features': list(datasets.CURVE_FEATURES),
        'limits': limits(),
    }


def is_loopback(host):
    try:
        return ipaddress.ip_address(host.strip('[]')).is_loopback
    except ValueError:
        return host == 'localhost'


class _Guard:
    """The token, and the hosts and origins the server answers."""

    def __init__(self, token, host, port):
        self.token = token
        names = set(LOOPBACK_NAMES)
        if host not in ('0.0.0.0', '::'):
            names.add('[{}]'.format(host) if ':' in host else host)
        self.any_host = host in ('0.0.0.0', '::')
        self.port = port
        self.hosts = {'{}:{}'.format(name, port) for name in names}

    def host_ok(self, headers):
        host = headers.get('host', '')
        return host in self.hosts or (self.any_host and host.endswith(':{}'.format(self.port)))

    def origin_ok(self, headers):
        origin = headers.get('origin')
        return origin is not None and origin.startswith('http://') and origin[7:] == headers.get('host', '') and (
            self.host_ok(headers))

    def token_ok(self, params):
        return secrets.compare_digest(params.get('token', ''), self.token)


CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: "
       "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def create_app(token, host='127.0.0.1', port=8765):
    """The Starlette application; ``token`` is the secret every request but the static files must carry."""
    guard = _Guard(token, host, port)
    sessions = {}

    async def page(request):
        if not guard.host_ok(request.headers):
            return PlainTextResponse('unknown host', status_code=403)
        if not guard.token_ok(request.query_params):
            return PlainTextResponse('Open the URL the playground printed when it started: it carries the token '
                                     'this page needs.', status_code=403)
        response = FileResponse(os.path.join(STATIC, 'index.html'))
        response.headers['Content-Security-Policy'] = CSP
        response.headers['Cache-Control'] = 'no-store'
        response.headers['Referrer-Policy'] = 'no-referrer'
        return response

    async def websocket_endpoint(websocket):
        if not (guard.host_ok(websocket.headers) and guard.origin_ok(websocket.headers) and
                guard.token_ok(websocket.query_params)):
            await websocket.close(code=1008)
            return
        await websocket.accept()
        await _serve_tab(websocket, sessions)

    async def upload(request):
        if not (guard.host_ok(request.headers) and guard.origin_ok(request.headers) and
                guard.token_ok(request.query_params)):
            return JSONResponse({'ok': False, 'error': 'refused: wrong origin or token'}, status_code=403)
        session = sessions.get(request.query_params.get('session', ''))
        kind = request.query_params.get('kind')
        if session is None or kind not in ('model', 'csv'):
            return JSONResponse({'ok': False, 'error': 'expected session= (an open tab) and kind=model or csv'},
                                status_code=400)
        try:
            seq = int(request.query_params.get('seq', '0'))
        except ValueError:
            return JSONResponse({'ok': False, 'error': 'seq: expected a whole number'}, status_code=400)
        declared = request.headers.get('content-length')
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_UPLOAD_BYTES):
            return JSONResponse({'ok': False, 'error': 'file: expected at most {} bytes'.format(MAX_UPLOAD_BYTES)},
                                status_code=413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_UPLOAD_BYTES:
                return JSONResponse({'ok': False, 'error': 'file: expected at most {} bytes'.format(
                    MAX_UPLOAD_BYTES)}, status_code=413)
        try:
            text = bytes(body).decode('utf-8')
        except UnicodeDecodeError:
            return JSONResponse({'ok': False, 'error': 'file: expected UTF-8 text'}, status_code=400)
        if kind == 'csv':
            session.submit('csv', seq, text=text)
            return JSONResponse({'ok': True})
        try:
            net = await asyncio.to_thread(_read_model, bytes(body))
        except (ModelFileError, ValueError, TypeError, OverflowError, RecursionError, MemoryError) as error:
            return JSONResponse({'ok': False, 'error': str(error)}, status_code=400)
        session.submit('load', seq, net=net, text=text)
        return JSONResponse({'ok': True})

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        for session in list(sessions.values()):
            session.close(timeout=0.5)

    routes = [Route('/', page), WebSocketRoute('/ws', websocket_endpoint), Route('/upload', upload, methods=['POST']),
              Mount('/static', app=StaticFiles(directory=STATIC), name='static')]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sessions = sessions
    return app


def _read_model(body):
    """A net from the bytes of a model file (bounded by the upload's limit), checked by the library's reader."""
    source = 'the model file'
    data = parse_json(body, source, max_json_values(MAX_MODEL_PARAMETERS))
    net = NeuralNet.from_dict(data, source=source, max_parameters=MAX_MODEL_PARAMETERS)
    sizes = net.layer_sizes()
    if len(sizes) - 2 > MAX_LAYERS or max(sizes[1:-1], default=1) > MAX_UNITS:
        raise ValueError('model: the playground shows at most {} hidden layers of at most {} units; this model has '
                         'layers of {}'.format(MAX_LAYERS, MAX_UNITS, sizes))
    return net


async def _serve_tab(websocket, sessions):
    """One tab: its session, the frames it is sent, and the messages it sends."""
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()
    replies = []

    def notify():
        with contextlib.suppress(RuntimeError):      # the loop has closed: the tab is gone
            loop.call_soon_threadsafe(wake.set)

    def reply(message):
        def put():
            replies.append(message)
            wake.set()
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(put)

    session = Session(notify=notify, reply=reply)
    session_id = secrets.token_urlsafe(12)
    sessions[session_id] = session
    session.start()
    acked = [-1]

    async def send_frames():
        builder = FrameBuilder()
        sent_version = sent_data = None
        sent_seq, last = -1, 0.0
        await websocket.send_text(json.dumps({'type': 'welcome', 'session': session_id, 'catalog': catalog(),
                                              'setup': session.snapshot().setup}))
        while True:
            while replies:
                await websocket.send_text(json.dumps(_finite(replies.pop(0)), allow_nan=False, default=_jsonable))
            snapshot = session.snapshot()
            now = time.perf_counter()
            in_flight = builder.frames - 1 - acked[0]
            fresh_control = snapshot.applied_seq > sent_seq
            due = now - last >= (SOONEST_AFTER_CONTROL if fresh_control else FRAME_INTERVAL)
            changed = (snapshot.version != sent_version or builder.chart_pending(snapshot) or
                       now - last >= IDLE_INTERVAL)
            if changed and due and in_flight < MAX_IN_FLIGHT:
                if snapshot.data_version != sent_data:
                    await websocket.send_bytes(points_message(snapshot.data, snapshot.data_version))
                    sent_data = snapshot.data_version
                # Built here, with the session's training held between two steps (see Session.hold): about a
                # millisecond for a small net, without trading the GIL with the training thread.
                session.hold()
                try:
                    message, _ = builder.build(snapshot)
                except Exception as error:      # a bug must not silence the tab: say so, and go on
                    message = None
                    replies.append({'type': 'error', 'field': 'frame', 'message': 'the frame could not be built: '
                                    '{}: {}'.format(type(error).__name__, error)})
                finally:
                    session.release()
                if message is None:
                    await asyncio.sleep(IDLE_INTERVAL)
                    continue
                await websocket.send_bytes(message)
                sent_version, sent_seq, last = snapshot.version, snapshot.applied_seq, time.perf_counter()
                continue
            wake.clear()
            if replies:
                continue
            if changed or snapshot.running:
                timeout = max(0.002, (SOONEST_AFTER_CONTROL if fresh_control else FRAME_INTERVAL) - (now - last))
            else:
                timeout = IDLE_INTERVAL
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout)

    async def send_error(field, text, seq=None):
        await websocket.send_text(json.dumps({'type': 'error', 'field': field, 'message': text, 'seq': seq}))

    async def send_frames_or_close():
        try:
            await send_frames()
        except Exception as error:              # a bug: say so and close, rather than leave the tab waiting
            with contextlib.suppress(Exception):
                await send_error('server', 'the server failed: {}: {}'.format(type(error).__name__, error))
                await websocket.close(code=1011)

    sender = asyncio.create_task(send_frames_or_close())
    try:
        while True:
            received = await websocket.receive()
            if received['type'] == 'websocket.disconnect':
                break
            text = received.get('text')
            if text is None:
                raw = received.get('bytes') or b''
                await send_error('message', 'expected a text message of JSON, got {} bytes of binary data'.format(
                    len(raw)))
                continue
            try:
                message = check_message(text)
            except ProtocolError as error:
                await send_error(error.field, str(error))
                continue
            kind = message.pop('type')
            if kind == 'ack':
                acked[0] = max(acked[0], message['frame'])
                wake.set()
                continue
            seq = message.pop('seq')
            session.submit(kind, seq, **message)
    except WebSocketDisconnect:
        pass
    finally:
        # Stop the training first (without waiting), whatever happens to this task from here on.
        session.close(timeout=0)
        sessions.pop(session_id, None)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        await asyncio.to_thread(session.close, 1.0)


def _finite(value):
    """``value`` (a reply) with every float that is NaN or infinite as None: JSON has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _jsonable(value):
    if hasattr(value, 'tolist'):
        return value.tolist()
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError('not JSON: {!r}'.format(type(value)))


class Server:
    """The playground's server on ``host``:``port`` (0: a free one); ``url`` carries the per-run token."""

    def __init__(self, host='127.0.0.1', port=8765, quiet=False):
        self.host = host
        self.quiet = quiet
        self.token = secrets.token_urlsafe(24)
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, port))
        self.port = self.socket.getsockname()[1]
        shown = '[{}]'.format(host) if ':' in host else host
        if host in ('0.0.0.0', '::'):
            shown = '127.0.0.1'
        self.url = 'http://{}:{}/?token={}'.format(shown, self.port, self.token)
        self.app = create_app(self.token, host, self.port)
        config = uvicorn.Config(self.app, log_level='warning', ws_max_size=4 * MAX_MESSAGE_BYTES,
                                timeout_graceful_shutdown=1, ws_ping_interval=None, lifespan='on')
        self._server = uvicorn.Server(config)
        self._thread = None
        if not is_loopback(host):
            print('warning: the playground listens on {}, not on 127.0.0.1: anyone who can reach this machine and '
                  'learns the token can drive it'.format(host), file=sys.stderr)

    def _announce(self, open_browser):
        if not self.quiet:
            print('The playground is at {}  (Ctrl+C stops it)'.format(self.url), flush=True)
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(self.url,), daemon=True).start()

    def _quick_switches(self):
        # Training threads hold the GIL between NumPy calls; by default another thread waits up to 5 ms for it,
        # and a frame needs it a few dozen times. 1 ms keeps frames quick (a setting of this process only).
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)

    def run(self, open_browser=True):
        """Serve until Ctrl+C (or ``stop()``)."""
        self.socket.listen(64)
        self._quick_switches()
        self._announce(open_browser)
        try:
            self._server.run(sockets=[self.socket])
        finally:
            sys.setswitchinterval(self._switch_interval)

    def start(self, open_browser=False):
        """Serve in a background thread; returns when the server is ready."""
        self.socket.listen(64)
        self._quick_switches()
        self._thread = threading.Thread(target=self._server.run, kwargs={'sockets': [self.socket]},
                                        name='playground-server', daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        self._announce(open_browser)
        return self

    def stop(self, timeout=3.0):
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        for session in list(self.app.state.sessions.values()):
            session.close(0.5)
        sys.setswitchinterval(self._switch_interval)
