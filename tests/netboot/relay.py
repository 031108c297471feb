# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Relay one guest connection to the HTTP server on 127.0.0.1 (QEMU guestfwd -cmd:).

QEMU starts this once per connection the guest opens to the guestfwd address and connects the
connection to its stdin and stdout; the guestfwd chardev form serves only the first connection,
and a network boot opens several (iPXE's scripts, kernel, initramfs, then curl in the initramfs).
"""

import os
import selectors
import socket
import sys


def main():
    port = int(sys.argv[1])
    sock = socket.create_connection(('127.0.0.1', port))
    fd_in, fd_out = sys.stdin.fileno(), sys.stdout.fileno()
    sel = selectors.DefaultSelector()
    sel.register(fd_in, selectors.EVENT_READ, 'guest')
    sel.register(sock, selectors.EVENT_READ, 'server')
    open_ends = 2
    while open_ends:
        for key, _mask in sel.select():
            if key.data == 'guest':
                data = os.read(fd_in, 65536)
                if not data:
                    sel.unregister(fd_in)
                    sock.shutdown(socket.SHUT_WR)
                    open_ends -= 1
                else:
                    sock.sendall(data)
            else:
                data = sock.recv(65536)
                if not data:
                    # the server is done: nothing more can be asked on this connection
                    open_ends = 0
                else:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd_out, view):]
    sock.close()


if __name__ == '__main__':
    main()
