#!/usr/bin/env python3
"""A slow control-socket client: connects to argv[1] and sends "show" one byte every 0.9 s for
argv[2] seconds (padding with spaces), then the newline; prints what the agent answered (an
empty answer means the agent cut it off, which is fine). Always bounded by argv[2] + 10 s."""
import socket
import sys
import time

path, seconds = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(path)
text = "show"
end = time.monotonic() + seconds
i = 0
try:
    while time.monotonic() < end:
        s.send((text[i] if i < len(text) else " ").encode())
        i += 1
        time.sleep(0.9)
    s.send(b"\n")
    reply = b""
    while chunk := s.recv(4096):
        reply += chunk
except OSError as e:  # the agent closing a client past its deadline
    reply = f"(closed by the agent: {e})".encode()
print(f"sent {i} bytes over {seconds:.0f} s; reply {len(reply)} bytes")
