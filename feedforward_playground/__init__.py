"""A playground in the web browser, driven by this library: watch a net learn, live.

    python -m feedforward_playground            # opens the page in the browser
    python -m feedforward_playground --no-browser --port 0

or from a script or a notebook, after registering activations, costs, update rules or schedules of your
own::

    import feedforward_playground
    feedforward_playground.serve()

It needs the playground extra (Starlette and uvicorn): pip install "feedforward-nets[playground]",
or from a clone of the repository, pip install ".[playground]". See docs/playground.md.
"""
__all__ = ['serve', 'Server']


def serve(host='127.0.0.1', port=8765, open_browser=True, block=True, quiet=False):
    """Serve the playground on ``host``:``port`` (0: a free port) and print its URL, with the token it needs.

    ``block=True`` runs until Ctrl+C; ``block=False`` starts the server in a
    thread and returns the running ``Server`` (its ``url``; ``stop()`` ends
    it), for notebooks. Activations, costs, update rules and schedules
    registered before the call (``register_activation``, ``register_cost``,
    ``register_optimizer``, ``register_schedule``) appear on the page.
    """
    from .server import Server
    server = Server(host=host, port=port, quiet=quiet)
    if block:
        server.run(open_browser=open_browser)
        return server
    server.start(open_browser=open_browser)
    return server


def __getattr__(name):
    if name == 'Server':
        from .server import Server
        return Server
    raise AttributeError(name)
