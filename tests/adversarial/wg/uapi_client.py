#!/usr/bin/env python3
"""Misbehaving UAPI clients for the wirelink-wg adversarial tests.

  uapi_client.py SOCKET idle N READY      N connections that send nothing
  uapi_client.py SOCKET dribble SECS READY  sends "get=1\\n\\n" one byte every SECS seconds
  uapi_client.py SOCKET stuck READY       sends "get=1\\n\\n" and never reads the reply
  uapi_client.py SOCKET flood MIB OP      sends OP then MIB MiB with no terminator; prints
                                          how many bytes went out and the reply, if any

The first three create the file READY once their connections are open (and the request is
sent), then sleep until killed.
"""
import socket
import sys
import time


def connect(path, rcvbuf=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(path)
    return s


def ready(path):
    open(path, "w").close()


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "idle":
        conns = [connect(path) for _ in range(int(sys.argv[3]))]
        ready(sys.argv[4])
        time.sleep(3600)
        del conns
    elif mode == "dribble":
        s = connect(path)
        ready(sys.argv[4])
        for b in b"get=1\n\n" * 100:
            s.send(bytes([b]))
            time.sleep(float(sys.argv[3]))
    elif mode == "stuck":
        s = connect(path, rcvbuf=4096)
        s.sendall(b"get=1\n\n")
        ready(sys.argv[3])
        time.sleep(3600)
    elif mode == "flood":
        s = connect(path)
        s.settimeout(20)
        chunk = b"x" * (1 << 20)
        sent = 0
        try:
            s.sendall(sys.argv[4].encode().decode("unicode_escape").encode())
            for _ in range(int(sys.argv[3])):
                s.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        reply = b""
        try:
            while True:
                b = s.recv(4096)
                if not b:
                    break
                reply += b
        except (ConnectionResetError, socket.timeout):
            pass
        print("sent", sent, "reply", repr(reply))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
