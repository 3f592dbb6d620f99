"""Run ``wstest -m fuzzingserver`` bound to one interface only (Python 2.7: run with conformance/.venv27).

autobahntestsuite's fuzzing server calls autobahn 0.10.9's ``listenWS(factory, sslContext)``, which
listens on every interface, and its spec has no key to change that. This wrapper gives ``listenWS``
the interface named by ``--interface`` (default 127.0.0.1), then hands the remaining arguments to
wstest unchanged::

    conformance/.venv27/bin/python -u conformance/fuzzingserver27.py --interface 127.0.0.1 \
        -m fuzzingserver -s spec.json --webport 0

Pass ``--webport 0``: otherwise wstest also starts a report web server on port 8080, all interfaces.
Once it listens it prints ``WSEXPLORER-LISTENING <host> <port>``.
"""

import sys

from autobahntestsuite import fuzzing, wstest


def main():
    args = sys.argv[1:]
    interface = "127.0.0.1"
    if "--interface" in args:
        i = args.index("--interface")
        interface = args[i + 1]
        del args[i : i + 2]

    original = fuzzing.listenWS

    def listen_on_interface(factory, contextFactory=None, backlog=50, interface_ignored=""):
        port = original(factory, contextFactory, backlog, interface)
        address = port.getHost()
        print("WSEXPLORER-LISTENING " + str(address.host) + " " + str(address.port))
        sys.stdout.flush()
        return port

    fuzzing.listenWS = listen_on_interface
    sys.argv[:] = ["wstest"]
    sys.argv.extend(args)
    wstest.run()


if __name__ == "__main__":
    main()
