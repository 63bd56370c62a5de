#!/usr/bin/env python3
"""Start-to-first-frame (and to the loaded demo) of the evscope binary on the demo, in a real
pseudo-terminal of 120x40: time from spawn until the first frame (the
events table title) is written, then quit with `q`.

usage: benches/first_frame.py [BINARY] [RUNS]
"""
import fcntl, os, pty, select, statistics, struct, sys, termios, time

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/evscope"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
times = []
loaded = []
for _ in range(runs):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["EVSCOPE_CONFIG_DIR"] = "/nonexistent/evscope-bench"
        os.execv(binary, [binary])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    start = time.perf_counter()
    seen = b""
    while b"Events" not in seen:
        ready, _, _ = select.select([fd], [], [], 5)
        if not ready:
            sys.exit("no frame within 5 s")
        seen += os.read(fd, 65536)
    times.append((time.perf_counter() - start) * 1000)
    while b"23 total" not in seen:
        ready, _, _ = select.select([fd], [], [], 5)
        if not ready:
            sys.exit("the demo did not load within 5 s")
        seen += os.read(fd, 65536)
    loaded.append((time.perf_counter() - start) * 1000)
    os.write(fd, b"q")
    deadline = time.time() + 5
    while time.time() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        try:
            if select.select([fd], [], [], 0.05)[0]:
                os.read(fd, 65536)
        except OSError:
            pass
    os.close(fd)
print(f"demo loaded on screen: median {statistics.median(loaded):.1f} ms, max {max(loaded):.1f} ms")
print(f"first frame: median {statistics.median(times):.1f} ms, min {min(times):.1f} ms, max {max(times):.1f} ms over {runs} runs")
