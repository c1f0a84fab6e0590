"""python -m feedforward_playground [--host HOST] [--port PORT] [--no-browser]: serve the playground and open it."""
import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m feedforward_playground',
                                     description='A playground in the web browser, driven by this library: '
                                                 'watch a net learn, live.')
    parser.add_argument('--host', default='127.0.0.1',
                        help='the address to listen on (default 127.0.0.1; any other is reachable from elsewhere, '
                             'and the server warns)')
    parser.add_argument('--port', type=int, default=8765, help='the port (default 8765; 0 picks a free one)')
    parser.add_argument('--no-browser', action='store_true', help='print the URL without opening a browser')
    args = parser.parse_args(argv)
    try:
        from feedforward_playground.server import Server
    except ImportError as error:
        print(error, file=sys.stderr)
        return 1
    try:
        server = Server(host=args.host, port=args.port)
    except OSError as error:
        print('cannot listen on {}:{}: {}'.format(args.host, args.port, error), file=sys.stderr)
        return 1
    server.run(open_browser=not args.no_browser)
    return 0


if __name__ == '__main__':
    sys.exit(main())
