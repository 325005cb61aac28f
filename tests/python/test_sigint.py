# Ctrl-C: SIGINT while write() is blocked (the pool's one frame held downstream) ends it with
# KeyboardInterrupt at once (not after the 15 s acquire timeout, which would raise
# framepipe.Timeout instead), and the `with` block still finalises the output. Run in a child
# process, whose main thread gets the signal.
import os
import subprocess
import sys

from conftest import need_elements, tool_env  # noqa: F401

WRITER_CHILD = r'''
import os, signal, sys, threading
import numpy as np
import framepipe

fifo, captured = sys.argv[1], sys.argv[2]
fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # the writer's open() does not wait
state = {}

def helper(w):
    # A bounded poll of a condition (not a sleep standing for one): write() is waiting for the
    # frame that the undrained FIFO holds.
    tick = threading.Event()
    for _ in range(6000):
        if w._acquire_waiting:
            break
        tick.wait(0.01)
    else:
        state["error"] = "write() never blocked"
    os.kill(os.getpid(), signal.SIGINT)
    # Then drain the FIFO into a file, as a reader would: the EOS that close() sends ends it.
    os.set_blocking(fd, True)
    with open(captured, "wb") as out:
        while chunk := os.read(fd, 1 << 16):
            out.write(chunk)

frame = np.full((256, 256, 3), 128, np.uint8)
try:
    with framepipe.Writer(f'y4menc ! filesink location="{fifo}"', size=(256, 256),
                          pool_size=1) as w:
        t = threading.Thread(target=helper, args=(w,))
        t.start()
        for i in range(1000):
            w.write(frame)
    print("not interrupted")
    sys.exit(1)
except KeyboardInterrupt:
    t.join(60)
    print("interrupted", w.stats.frames, w.closed, state.get("error", ""))
'''

READER_CHILD = r'''
import os, signal, sys, threading
import framepipe

fifo = sys.argv[1]
about_to_read = threading.Event()

def helper():
    about_to_read.wait(60)
    os.kill(os.getpid(), signal.SIGINT)

# A y4m stream whose writer sends three frames, then keeps the FIFO open and sends nothing more.
def feed():
    with open(fifo, "wb") as f:
        f.write(b"YUV4MPEG2 W64 H48 F30:1 Ip A1:1 C420jpeg\n")
        for _ in range(3):
            f.write(b"FRAME\n" + bytes(64 * 48 * 3 // 2))
        f.flush()
        done.wait(120)
done = threading.Event()
threading.Thread(target=feed, daemon=True).start()
reader = framepipe.Reader(f'filesrc location="{fifo}" ! y4mdec', timeout=60)
assert reader.read() is not None
threading.Thread(target=helper, daemon=True).start()
try:
    about_to_read.set()
    while reader.read() is not None:  # the frames fed, then a wait (60 s) for one never sent
        pass
    print("not interrupted")
except KeyboardInterrupt:
    print("interrupted")
finally:
    done.set()
    reader.close()
'''


def test_ctrl_c_during_a_blocked_write_raises_keyboard_interrupt_and_finalises(tmp):
    need_elements("y4menc")
    fifo = tmp / "out.y4m"
    os.mkfifo(fifo)
    captured = tmp / "captured.y4m"
    child = tmp / "child.py"
    child.write_text(WRITER_CHILD)
    done = subprocess.run([sys.executable, str(child), str(fifo), str(captured)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    words = done.stdout.split()
    assert words[0] == "interrupted", done.stdout + done.stderr
    frames = int(words[1])
    assert words[2] == "True" and len(words) == 3, done.stdout  # closed, helper saw it block
    assert frames >= 1
    # Every frame written before Ctrl-C is in the file, complete (y4m: header + FRAME blocks).
    data = captured.read_bytes()
    assert data.startswith(b"YUV4MPEG2 ")
    assert data.count(b"FRAME\n") == frames
    header = data.index(b"\n") + 1
    assert len(data) == header + frames * (len(b"FRAME\n") + 256 * 256 * 3 // 2)


def test_ctrl_c_during_a_blocked_read_raises_keyboard_interrupt(tmp):
    # Whether SIGINT lands before read() starts waiting or during the wait, the outcome must be
    # KeyboardInterrupt; had the wait ignored it, the read would end in framepipe.Timeout (60 s).
    need_elements("y4mdec")
    fifo = tmp / "in.y4m"
    os.mkfifo(fifo)
    child = tmp / "child.py"
    child.write_text(READER_CHILD)
    done = subprocess.run([sys.executable, str(child), str(fifo)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "interrupted", done.stdout + done.stderr
