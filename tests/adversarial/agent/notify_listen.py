#!/usr/bin/env python3
"""A stand-in for systemd's notification socket: binds an AF_UNIX datagram socket at argv[1]
and appends "<monotonic seconds> <message>" per datagram to argv[2] until killed."""
import socket
import sys
import time

sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        data = sock.recv(4096).decode(errors="replace").replace("\n", " ")
        out.write(f"{time.monotonic():.3f} {data}\n")
