# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ask for a boot file as PXE firmware (or iPXE) does, and print what the DHCP server said, as JSON.

A PXE client broadcasts a DHCPDISCOVER carrying its architecture (option 93), the vendor class
``PXEClient:Arch:NNNNN:UNDI:002001`` (option 60), its network interface (94) and UUID (97); iPXE
adds the user class ``iPXE`` (77). A proxy DHCP server (RFC 4578, PXE 2.1) answers with an offer
without an address that either names the boot file at once or carries a boot menu (option 43,
sub-option 9); then the client asks the boot server on port 4011 for the first menu item (a
DHCPREQUEST with option 43, sub-option 71), and the answer names the file. UEFI clients may also be
sent to port 4011 without a menu. This client follows that flow with the address the interface
already has (the site's DHCP server would have given it), and prints the boot file, the server
to fetch it from and the messages' fields.

Usage: pxe_probe.py --interface IF --address A.B.C.D --mac MAC --arch N [--user-class iPXE]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import sys
import time

MAGIC = b'\x63\x82\x53\x63'
DISCOVER, OFFER, REQUEST, ACK = 1, 2, 3, 5
PXE_MENU, PXE_BOOT_ITEM = 9, 71


def options_bytes(options):
    out = b''
    for code, value in options:
        out += struct.pack('BB', code, len(value)) + value
    return out + b'\xff'


def packet(kind, xid, mac, ciaddr, options):
    header = struct.pack('!BBBBIHH4s4s4s4s16s64s128s', 1, 1, 6, 0, xid, 0, 0x8000 if kind == DISCOVER else 0,
                         socket.inet_aton(ciaddr), b'\0' * 4, b'\0' * 4, b'\0' * 4, mac + b'\0' * 10, b'', b'')
    return header + MAGIC + options_bytes([(53, bytes([kind]))] + options)


def parse_options(data):
    options = {}
    index = 0
    while index < len(data):
        code = data[index]
        if code == 255:
            break
        if code == 0:
            index += 1
            continue
        length = data[index + 1]
        options[code] = options.get(code, b'') + data[index + 2:index + 2 + length]
        index += 2 + length
    return options


def parse_reply(data, xid):
    if len(data) < 240 or data[0] != 2 or struct.unpack('!I', data[4:8])[0] != xid or data[236:240] != MAGIC:
        return None
    options = parse_options(data[240:])
    return {
        'type': options.get(53, b'\0')[0],
        'yiaddr': socket.inet_ntoa(data[16:20]),
        'siaddr': socket.inet_ntoa(data[20:24]),
        'file': data[108:236].split(b'\0', 1)[0].decode('ascii', 'replace'),
        'options': options,
    }


def menu_items(vendor):
    """``[(type, text)]`` of the PXE boot menu in option 43."""
    menu = parse_options(vendor).get(PXE_MENU, b'')
    items = []
    index = 0
    while index + 3 <= len(menu):
        kind, length = struct.unpack('!HB', menu[index:index + 3])
        items.append((kind, menu[index + 3:index + 3 + length].decode('ascii', 'replace')))
        index += 3 + length
    return items


def exchange(sock, message, destination, xid, timeout, wanted):
    """Send ``message`` (again after 1 s) until a reply of a ``wanted`` type arrives; None at the timeout."""
    deadline = time.monotonic() + timeout
    next_send = 0.0
    while time.monotonic() < deadline:
        if time.monotonic() >= next_send:
            sock.sendto(message, destination)
            next_send = time.monotonic() + 1.0
        sock.settimeout(max(0.05, min(next_send, deadline) - time.monotonic()))
        try:
            data, sender = sock.recvfrom(4096)
        except socket.timeout:
            continue
        reply = parse_reply(data, xid)
        if reply is not None and reply['type'] in wanted:
            reply['from'] = '%s:%d' % sender
            return reply
    return None


def shown(reply):
    if reply is None:
        return None
    out = dict(reply)
    out['options'] = dict((str(code), value.hex()) for code, value in sorted(reply['options'].items()))
    vendor = reply['options'].get(43)
    if vendor:
        out['menu'] = menu_items(vendor)
    bootfile = reply['options'].get(67)
    if bootfile:
        out['bootfile_option'] = bootfile.split(b'\0', 1)[0].decode('ascii', 'replace')
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--interface', required=True)
    parser.add_argument('--address', required=True, help='the address the interface has (for port 4011)')
    parser.add_argument('--mac', required=True)
    parser.add_argument('--arch', type=int, required=True, help='option 93: 0 BIOS, 7 and 9 x86-64 UEFI')
    parser.add_argument('--user-class', default='', help='option 77 (iPXE sends "iPXE")')
    parser.add_argument('--timeout', type=float, default=6.0)
    args = parser.parse_args(argv)

    mac = bytes.fromhex(args.mac.replace(':', '').replace('-', ''))
    xid = struct.unpack('!I', os.urandom(4))[0]
    common = [(60, ('PXEClient:Arch:%05d:UNDI:002001' % args.arch).encode('ascii')),
              (93, struct.pack('!H', args.arch)), (94, b'\x01\x02\x01'), (97, b'\0' + os.urandom(16)),
              (55, bytes([1, 3, 43, 60, 66, 67, 97]))]
    if args.user_class:
        common.append((77, args.user_class.encode('ascii')))

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, args.interface.encode('ascii'))
    sock.bind(('0.0.0.0', 68))

    offer = exchange(sock, packet(DISCOVER, xid, mac, '0.0.0.0', common), ('255.255.255.255', 67), xid,
                     args.timeout, (OFFER,))
    result = {'offer': shown(offer), 'ack': None, 'file': '', 'server': ''}
    if offer is None:
        json.dump(result, sys.stdout)
        return 1
    server = socket.inet_ntoa(offer['options'].get(54, b'\0\0\0\0'))
    result.update(file=result['offer'].get('bootfile_option') or offer['file'], server=offer['siaddr'])
    if not result['file']:
        # the boot server's answer on port 4011: for the first menu item, or (UEFI) without a menu
        request = list(common)
        items = menu_items(offer['options'].get(43, b''))
        if items:
            request.append((43, options_bytes([(PXE_BOOT_ITEM, struct.pack('!HH', items[0][0], 0))])))
        target = offer['siaddr'] if offer['siaddr'] != '0.0.0.0' else server
        ack = exchange(sock, packet(REQUEST, xid, mac, args.address, request), (target, 4011), xid, args.timeout,
                       (ACK,))
        result['ack'] = shown(ack)
        if ack is not None:
            result.update(file=result['ack'].get('bootfile_option') or ack['file'], server=ack['siaddr'])
    json.dump(result, sys.stdout)
    return 0 if result['file'] else 1


if __name__ == '__main__':
    sys.exit(main())
