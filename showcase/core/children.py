"""Every process the app starts ends when the app ends: at a normal exit, on Ctrl-C, on SIGTERM and
when the app is killed outright (SIGKILL, as the out-of-memory killer does).

``Child(command, **popen_kwargs)`` is ``subprocess.Popen`` with two additions:

- the child leads a process group of its own (``start_new_session``), so that stopping it stops
  what it started too: gunicorn's workers, torchrun's, Ray's raylet and workers;
- its group is registered with a *watchdog*, one small Python process per app process, that reads
  group ids from a pipe the app holds open. Nothing ever closes that pipe but the kernel, when
  the app's process ends, however it ends: the watchdog then reads end-of-file, sends SIGTERM to
  every group still registered, and SIGKILL to what is left ``GRACE_S`` later.

Why not the kernel's parent-death signal (``prctl(PR_SET_PDEATHSIG)``): it follows the *thread*
that started the child, not the process (prctl(2)). Gradio runs handlers in anyio worker threads,
which end after 10 idle seconds, so a gunicorn started by one call would be killed 10 s later
(checked: a child started from a thread that then ended was SIGKILLed at once). It also reaches
only the direct child, and setting it needs ``preexec_fn``, which the subprocess docs call unsafe
in a program with threads.

``stop(child)`` ends a child and its group (SIGTERM, ``grace`` seconds, SIGKILL). A child's group
does not outlive it: once ``wait``/``poll`` sees the leader gone, what is left of its group is
killed. At a normal exit ``atexit`` stops every child still running, so their own clean-up (gunicorn
stopping its workers) runs before the watchdog would.

    from showcase.core import children
    server = children.Child([sys.executable, "-m", "http.server"], stdout=subprocess.DEVNULL)
    children.stop(server)
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import threading

GRACE_S = 5.0

# The watchdog: standard library only, so that it starts in ~20 ms and never breaks on an import.
# A line "+ <pgid> <start>" registers a group, "- <pgid>" forgets it; <start> is the leader's start
# time (field 22 of /proc/<pid>/stat), so that a pid the kernel gave to someone else is left alone.
WATCHDOG = r"""
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the app's; the pipe says when it has ended
groups = {}
for line in sys.stdin:
    sign, pgid, *start = line.split()
    if sign == "+":
        groups[int(pgid)] = start[0]
    else:
        groups.pop(int(pgid), None)

def ours(pgid, start):
    try:
        os.killpg(pgid, 0)
    except OSError:
        return False                            # the group is gone
    try:
        with open(f"/proc/{pgid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19] == start
    except OSError:                             # the leader is gone, its group lives on: a pid that is
        return True                             # still a group's id is never given to a new process

for sig, grace in ((signal.SIGTERM, float(sys.argv[1])), (signal.SIGKILL, 5.0)):
    left = [g for g, s in groups.items() if ours(g, s)]
    for g in left:
        try:
            os.killpg(g, sig)
        except OSError:
            pass
    deadline = time.monotonic() + grace
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [g for g in left if ours(g, groups[g])]
    if not left:
        break
"""

_lock = threading.Lock()
_pipe: int | None = None                 # the write end of the watchdog's stdin
_watchdog: subprocess.Popen | None = None
_running: dict[int, "Child"] = {}


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except OSError:
        return None


def _tell(line: str) -> None:
    """Send one line to the watchdog, starting it on first use, or again if it was killed: then
    every running child is registered with the new one (with ``_lock`` held)."""
    global _pipe, _watchdog
    if _pipe is not None:
        try:
            os.write(_pipe, line.encode())
            return
        except BrokenPipeError:
            os.close(_pipe)
            _watchdog.wait()
    read, write = os.pipe()                  # not inheritable: no other child holds the app's end
    _watchdog = subprocess.Popen([sys.executable, "-I", "-c", WATCHDOG, str(GRACE_S)], stdin=read,
                                 stdout=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    os.close(read)
    _pipe = write
    # every running child, the one being registered included (a forgotten one is already out)
    os.write(_pipe, "".join(f"+ {c.pid} {c.start}\n" for c in _running.values() if c.start is not None).encode())


def watchdog_pid() -> int | None:
    """This process's watchdog, if it started one: it outlives this process by design, briefly."""
    return _watchdog.pid if _watchdog is not None and _watchdog.poll() is None else None


def _after_fork_in_child() -> None:
    # a forked copy of the app must not hold the pipe open: the watchdog would wait for it too
    global _pipe, _watchdog
    if _pipe is not None:
        os.close(_pipe)
    _pipe, _watchdog = None, None
    _running.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Child(subprocess.Popen):
    """``subprocess.Popen`` in a process group of its own that ends when the app ends (see above)."""

    def __init__(self, args, **kwargs):
        kwargs["start_new_session"] = True
        if kwargs.get("preexec_fn") is not None:
            raise ValueError("preexec_fn is unsafe in a threaded app; Child does without it")
        super().__init__(args, **kwargs)
        self.start = _start_time(self.pid)
        with _lock:
            _running[self.pid] = self
            if self.start is not None:
                _tell(f"+ {self.pid} {self.start}\n")

    def _ended(self) -> None:
        with _lock:
            if _running.pop(self.pid, None) is None:
                return
            kill_group(self.pid)             # what the leader left behind is an orphan of ours
            if _pipe is not None:
                _tell(f"- {self.pid}\n")

    def poll(self):
        code = super().poll()
        if code is not None:
            self._ended()
        return code

    def wait(self, timeout=None):
        code = super().wait(timeout=timeout)
        self._ended()
        return code


def stop(child: subprocess.Popen, grace: float = GRACE_S) -> int:
    """End ``child`` and its process group: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if child.poll() is None:
        kill_group(child.pid, signal.SIGTERM)
        try:
            return child.wait(grace)
        except subprocess.TimeoutExpired:
            kill_group(child.pid, signal.SIGKILL)
    return child.wait()


def running() -> list[Child]:
    """The children started by this process that have not been seen to end."""
    with _lock:
        return list(_running.values())


@atexit.register
def stop_all() -> None:
    """Stop every child still running (at exit; the watchdog covers the exits that skip atexit)."""
    for child in running():
        kill_group(child.pid, signal.SIGTERM)
    for child in running():
        try:
            child.wait(GRACE_S)
        except subprocess.TimeoutExpired:
            kill_group(child.pid, signal.SIGKILL)
            child.wait()
