#!/usr/bin/python3
# Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file

"""flufl.bounce's speed over the files given, for tests/bench/bench-speed.

Usage: speed-flufl.py [--seconds N] FILE...

Every file is read into memory first; each message is then parsed with
email.message_from_bytes() and scanned with flufl.bounce.scan_message(),
over and over for at least N seconds (default 2), so that neither the
interpreter's start-up nor the disk is timed. The parse is timed: the
analyzer parses the message too. The last line is
  flufl: N msgs in S s = R msgs/s
Exits 77 when flufl.bounce is not installed (Debian: python3-flufl.bounce;
run with Debian's /usr/bin/python3, which sees it).
"""

import email
import sys
import time


def main():
    args = sys.argv[1:]
    seconds = 2
    if len(args) >= 2 and args[0] == '--seconds':
        seconds = int(args[1])
        args = args[2:]
    if not args or seconds <= 0:
        sys.exit('Usage: %s [--seconds N] FILE...' % sys.argv[0])

    try:
        from flufl.bounce import scan_message
    except ImportError:
        print('flufl: SKIP (flufl.bounce is not installed)')
        sys.exit(77)

    messages = []
    for path in args:
        with open(path, 'rb') as f:
            messages.append(f.read())

    def one_pass():
        found = 0
        for data in messages:
            # A message flufl.bounce chokes on costs what it cost, like
            # any other
            try:
                if scan_message(email.message_from_bytes(data)):
                    found += 1
            except Exception:
                pass
        return found

    # The first pass imports the detectors and warms the caches before
    # the clock starts
    found = one_pass()
    print('flufl: %d of the %d messages give a recipient'
          % (found, len(messages)))

    start = time.monotonic()
    passes = 0
    while True:
        one_pass()
        passes += 1
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
    count = passes * len(messages)
    print('flufl: %d msgs in %.3f s = %.0f msgs/s'
          % (count, elapsed, count / elapsed))


if __name__ == '__main__':
    main()
