"""Portcullis QEMU harness core: boot the kernel, stream COM1, read the exit marker.

Used by tests/run-elf (one program), tests/run (the matrix) and `make run` (a whole ISO), so the
kernel <-> harness contract is interpreted in exactly one place:

  * COM1 carries the console: the programs' output, KTAP from the self-tests, and the kernel log
    unless the kernel was booted with `quiet` (then the log is on COM2).
  * When init exits the kernel writes ESC _ "portcullis exit=N" ESC \\ on COM1 (N = 0..255) and
    then 0 to port 0xf4 (isa-debug-exit: QEMU exits with 1). On a panic it writes
    ESC _ "portcullis panic" ESC \\ and 1 to port 0xf4 (QEMU exits with 3).
  * A triple fault or a reset with -no-reboot makes QEMU exit (status 0) without any marker.

Booting a program (boot_program) does not build an ISO per run. A small GRUB ISO, the same for
every kernel (the "runner", built once per build directory from iso/runner.cfg), is the CD;
each run gets a fresh FAT image (mtools, a few milliseconds) on the first IDE disk holding the
kernel, the modules and run.cfg, which the runner's grub.cfg sources. So every run still boots
through GRUB and multiboot2, exactly like the real ISO.
"""

import atexit
import fcntl
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Exit statuses of run-elf beyond the program's own 0..255.
STATUS_TIMEOUT = 124
STATUS_BROKEN = 125      # panic, triple fault, reset, QEMU gone without a marker, harness error

MARKER_PREFIX = b'\x1b_portcullis'
MARKER_END = b'\x1b\\'
MARKER_MAX = 64           # longest marker we wait for before giving up and passing bytes through

QEMU = os.environ.get('QEMU', 'qemu-system-x86_64')
GRUB_MKRESCUE = os.environ.get('GRUB_MKRESCUE', 'grub-mkrescue')

# GRUB modules the runner ISO carries (grub-mkrescue adds their dependencies).
RUNNER_GRUB_MODULES = ('multiboot2 normal configfile echo test fat iso9660 biosdisk part_msdos '
                       'serial terminal halt sleep')


class HarnessError(Exception):
    """A setup problem (missing file, bad argument): reported, run-elf exits 125."""


# ---------------------------------------------------------------------------------------------
# The marker stream: strip the portcullis markers out of COM1, byte-exact otherwise.

class MarkerStream:
    """Feed COM1 bytes; get back the bytes to show (markers removed) and the markers seen.

    Only APC strings that start with ESC _ "portcullis" are consumed; every other byte, escape
    sequences included, passes through unchanged. A partial marker at the end of a chunk is held
    back until the next chunk (or flush()) decides it.
    """

    def __init__(self):
        self.pending = b''
        self.exit_status = None     # N from the first exit marker
        self.panic = False
        self.markers = []           # every marker body seen, e.g. b'exit=0', b'panic'

    def _marker(self, body):
        self.markers.append(body)
        body = body.strip()
        m = re.fullmatch(rb'exit=(\d{1,3})', body)
        if m and self.exit_status is None and not self.panic:
            self.exit_status = int(m.group(1)) & 0xff
        elif body == b'panic':
            self.panic = True

    def feed(self, data):
        buf = self.pending + data
        out = bytearray()
        i = 0
        while True:
            j = buf.find(b'\x1b', i)
            if j < 0:
                out += buf[i:]
                self.pending = b''
                break
            out += buf[i:j]
            rest = buf[j:]
            if len(rest) < len(MARKER_PREFIX):
                if MARKER_PREFIX.startswith(rest):
                    self.pending = rest          # could still become a marker
                    break
                out += b'\x1b'
                i = j + 1
                continue
            if not rest.startswith(MARKER_PREFIX):
                out += b'\x1b'
                i = j + 1
                continue
            end = rest.find(MARKER_END, len(MARKER_PREFIX))
            if end < 0:
                if len(rest) > MARKER_MAX:       # not a marker after all
                    out += b'\x1b'
                    i = j + 1
                    continue
                self.pending = rest
                break
            self._marker(rest[len(MARKER_PREFIX):end])
            i = j + end + len(MARKER_END)
        return bytes(out)

    def flush(self):
        out, self.pending = self.pending, b''
        return out

    @property
    def verdict(self):
        if self.panic:
            return 'panic'
        if self.exit_status is not None:
            return 'exit'
        return None


# ---------------------------------------------------------------------------------------------
# Kernel command line and GRUB quoting.
#
# GRUB 2.06 builds the multiboot2 command line from the words of the `multiboot2` command: it
# joins them with spaces, wraps a word that contains a space in double quotes and puts a backslash
# before every ", ' and \. The kernel's syntax (kernel/include/cmdline.h) groups with double quotes
# and has no escape character. So a word may contain spaces (it arrives as "a b"), but not ", '
# or \, nor control characters, and an empty word would vanish.

def check_word(word, what):
    if word == '':
        raise HarnessError(f'{what}: empty words cannot be passed on the kernel command line')
    bad = [c for c in word if c in '"\'\\' or ord(c) < 0x20 or ord(c) == 0x7f]
    if bad:
        raise HarnessError(f'{what} {word!r}: the characters " \' \\ and control characters cannot '
                           f'be passed through GRUB to the kernel command line')
    return word


def split_kernel_words(line):
    """Split boot options the way the kernel does (double quotes group, no escapes)."""
    words, cur, inword, quoted = [], [], False, False
    for c in line:
        if c == '"':
            quoted = not quoted
            inword = True
        elif c in ' \t' and not quoted:
            if inword:
                words.append(''.join(cur))
            cur, inword = [], False
        else:
            cur.append(c)
            inword = True
    if quoted:
        raise HarnessError(f'unterminated quote in boot options: {line}')
    if inword:
        words.append(''.join(cur))
    return words


def kernel_cmdline_words(append='', quiet=True, ktest=None, init=None, args=()):
    """The kernel command line as words: quiet, ktest=, the extra options, then init= last."""
    words = []
    if quiet:
        words.append('quiet')
    if ktest:
        words.append('ktest=' + ktest)
    words += split_kernel_words(append or '')
    if any(w.startswith('init=') for w in words) and init is not None:
        raise HarnessError('init= is set by the harness (it must be the last option)')
    if init is not None:
        words.append('init=' + init)
        words += list(args)
    for w in words:
        check_word(w, 'boot option')
    return words


def cmdline_string(words):
    """What the kernel receives for these words (GRUB's quoting)."""
    return ' '.join(f'"{w}"' if ' ' in w else w for w in words)


def grub_quote(word):
    return "'" + word + "'"       # check_word() has excluded ' already


# ---------------------------------------------------------------------------------------------
# The runner ISO and the per-run FAT disk.

def runner_iso(build):
    """Path of the runner ISO for this build directory, building it if needed."""
    cfg = os.path.join(SRC, 'iso', 'runner.cfg')
    if not os.path.isfile(cfg):
        raise HarnessError(f'{cfg} is missing')
    d = os.path.join(build, 'iso')
    try:
        os.makedirs(d, exist_ok=True)
        if not os.access(d, os.W_OK):
            raise OSError
    except OSError:
        d = os.path.join(os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'),
                         'portcullis')
        os.makedirs(d, exist_ok=True)
    iso = os.path.join(d, 'runner.iso')

    newest = max(os.path.getmtime(cfg), os.path.getmtime(os.path.abspath(__file__)))

    def fresh():
        return os.path.isfile(iso) and os.path.getmtime(iso) >= newest

    if fresh():
        return iso
    with open(os.path.join(d, '.runner.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if fresh():
            return iso
        with tempfile.TemporaryDirectory(dir=d, prefix='.runner-') as tmp:
            root = os.path.join(tmp, 'root')
            os.makedirs(os.path.join(root, 'boot', 'grub'))
            shutil.copy(cfg, os.path.join(root, 'boot', 'grub', 'grub.cfg'))
            out = os.path.join(tmp, 'runner.iso')
            cmd = [GRUB_MKRESCUE, '--fonts=', '--locales=', '--themes=',
                   '--install-modules=' + RUNNER_GRUB_MODULES, '-o', out, root]
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
            if p.returncode != 0:
                raise HarnessError('grub-mkrescue failed:\n' + p.stdout.decode(errors='replace'))
            os.replace(out, iso)
    return iso


def make_run_disk(path, kernel, modules, words):
    """FAT image at path: /kernel, /mNN (modules) and /run.cfg, which the runner sources.

    modules: list of (file, name); name is the module's multiboot2 string.
    """
    lines = ['# Generated by tests/lib/harness.py for one run.',
             'if multiboot2 ($run)/kernel ' + ' '.join(grub_quote(w) for w in words) + '; then']
    files = [(kernel, 'kernel')]
    for i, (f, name) in enumerate(modules):
        check_word(name, 'module name')
        if ' ' in name:
            raise HarnessError(f'module name {name!r} contains a space')
        short = f'm{i:02d}'
        files.append((f, short))
        lines.append(f'\tmodule2 --nounzip ($run)/{short} {grub_quote(name)}')
    lines += ['\tboot', 'fi']
    cfg = os.path.join(os.path.dirname(path), 'run.cfg')
    with open(cfg, 'w') as fh:
        fh.write('\n'.join(lines) + '\n')
    files.append((cfg, 'run.cfg'))

    size = sum(os.path.getsize(f) for f, _ in files)
    mib = max(4, (size * 5 // 4 + (1 << 20)) >> 20)    # room for FAT overhead and clusters
    with open(path, 'wb') as fh:
        fh.truncate(mib << 20)
    # One mcopy for all files: stage them under their short names (symlinks) first.
    stage = os.path.join(os.path.dirname(path), 'fat')
    os.makedirs(stage, exist_ok=True)
    staged = []
    for f, n in files:
        link = os.path.join(stage, n)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.abspath(f), link)
        staged.append(link)
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1')
    for cmd in (['mformat', '-i', path, '-v', 'PCRUN', '::'],
                ['mcopy', '-i', path] + staged + ['::/']):
        p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if p.returncode != 0:
            raise HarnessError(' '.join(cmd[:3]) + ' failed:\n' + p.stdout.decode(errors='replace'))
    return cfg


# ---------------------------------------------------------------------------------------------
# QEMU.

def qemu_base_args(cpu='max', smp=1, memory='256M'):
    return [QEMU, '-nodefaults', '-accel', 'tcg', '-cpu', cpu, '-smp', str(smp), '-m', memory,
            '-no-reboot', '-display', 'none', '-monitor', 'none',
            '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']


class Result:
    """What one boot gave.

    status: the program's exit status (from the marker), or STATUS_TIMEOUT / STATUS_BROKEN.
    reason: None when the exit marker was seen; otherwise why the run is broken.
    """

    def __init__(self):
        self.status = STATUS_BROKEN
        self.reason = None
        self.output = b''        # COM1 with the markers removed
        self.log = b''           # COM2 (the kernel log with `quiet`), GRUB's errors included
        self.qemu_status = None
        self.qemu_stderr = b''
        self.elapsed = 0.0
        self.cmdline = ''
        self.markers = []

    def log_text(self):
        return clean_log(self.log)


def clean_log(data):
    """The COM2 log for humans: GRUB's terminal-setup escapes and CRs removed."""
    data = re.sub(rb'\x1b\[[0-9;]*[A-Za-z]', b'', data)
    data = data.replace(b'\r\n', b'\n').replace(b'\r', b'')
    return data.decode('utf-8', errors='replace')


# Every QEMU still running, so that an interrupted harness leaves none behind.
_live = set()
_live_lock = threading.Lock()


def kill_all():
    with _live_lock:
        procs = list(_live)
    for p in procs:
        _kill(p)


atexit.register(kill_all)


def exit_on_sigterm():
    """Make SIGTERM (and SIGHUP) unwind like Ctrl-C does, so that QEMUs are killed."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


# setpriv (util-linux) makes the kernel send QEMU SIGKILL if we die without cleaning up.
_SETPRIV = shutil.which('setpriv')


def _kill(p):
    if p.poll() is None:
        try:
            p.terminate()
            p.wait(timeout=2)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run_qemu(args, timeout=60, stdout=None, log_stream=None, stdin=None, grace=3.0):
    """Run QEMU with COM1 on a pipe we read (markers stripped) and COM2 on another.

    args: QEMU arguments without any -serial. stdout: binary file to stream COM1 to (flushed as
    it arrives), or None. log_stream: binary file to stream COM2 to, or None. stdin: None for
    /dev/null, or 'inherit' to give QEMU (and so COM1's input) our standard input.
    timeout: seconds, 0 or None for none. grace: seconds QEMU gets to exit after a marker.
    """
    res = Result()
    ms = MarkerStream()
    out, log = bytearray(), bytearray()
    com2_r, com2_w = os.pipe()
    cmd = list(args) + ['-serial', 'stdio', '-serial', f'file:/proc/self/fd/{com2_w}']
    if _SETPRIV:
        cmd = [_SETPRIV, '--pdeathsig', 'KILL', '--'] + cmd
    t0 = time.monotonic()
    try:
        p = subprocess.Popen(cmd, stdin=None if stdin == 'inherit' else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=[com2_w],
                             start_new_session=(stdin != 'inherit'))
    except OSError as e:
        os.close(com2_r)
        os.close(com2_w)
        raise HarnessError(f'cannot start {cmd[0]}: {e}')
    with _live_lock:
        _live.add(p)
    os.close(com2_w)
    fds = {p.stdout.fileno(): 'com1', com2_r: 'com2', p.stderr.fileno(): 'err'}
    err = bytearray()
    deadline = t0 + timeout if timeout else None
    marker_at = None
    timed_out = False

    sinks = {'out': stdout, 'log': log_stream}

    def write(which, data):
        f = sinks[which]
        if f is not None and data:
            try:
                f.write(data)
                f.flush()
            except (BrokenPipeError, OSError):
                sinks[which] = None      # the reader went away: keep running, stop streaming
                try:
                    os.dup2(os.open(os.devnull, os.O_WRONLY), f.fileno())
                except (OSError, ValueError):
                    pass

    def emit(data):
        if data:
            out.extend(data)
            write('out', data)

    try:
        while fds:
            now = time.monotonic()
            limits = []
            if deadline:
                limits.append(deadline - now)
            if marker_at is not None:
                limits.append(marker_at + grace - now)
            wait = max(0.0, min(limits)) if limits else None
            if limits and wait <= 0:
                if marker_at is None:
                    timed_out = True
                break
            ready, _, _ = select.select(list(fds), [], [], wait)
            for fd in ready:
                data = os.read(fd, 65536)
                kind = fds[fd]
                if not data:
                    del fds[fd]
                    continue
                if kind == 'com1':
                    emit(ms.feed(data))
                    if ms.verdict and marker_at is None:
                        marker_at = time.monotonic()
                elif kind == 'com2':
                    log.extend(data)
                    write('log', data)
                else:
                    err.extend(data)
    except KeyboardInterrupt:
        _kill(p)
        raise
    finally:
        _kill(p)
        with _live_lock:
            _live.discard(p)
        os.close(com2_r)
        p.stdout.close()
        p.stderr.close()
    emit(ms.flush())
    res.elapsed = time.monotonic() - t0
    res.output, res.log, res.qemu_stderr = bytes(out), bytes(log), bytes(err)
    res.qemu_status = p.returncode
    res.markers = ms.markers
    if ms.verdict == 'panic':
        res.status, res.reason = STATUS_BROKEN, 'kernel panic'
    elif ms.verdict == 'exit':
        res.status, res.reason = ms.exit_status, None
    elif timed_out:
        res.status, res.reason = STATUS_TIMEOUT, f'timeout after {timeout} s (QEMU killed)'
    else:
        res.status = STATUS_BROKEN
        q = p.returncode
        if q == 0:
            res.reason = 'QEMU exited without a marker: triple fault, reset or power-off'
        elif q in (1, 3):
            res.reason = f'port 0xf4 written ({(q - 1) // 2}) without an exit marker on COM1'
        elif q is not None and q < 0:
            res.reason = f'QEMU killed by signal {-q}'
        else:
            msg = bytes(err).decode(errors='replace').strip().splitlines()
            res.reason = f'QEMU failed (status {q})' + (f': {msg[-1]}' if msg else '')
    return res


def user_modules(build):
    """Every DIR/user/*.elf as (path, name), sorted by name; [] if DIR/user does not exist."""
    d = os.path.join(build, 'user')
    if not os.path.isdir(d):
        return []
    mods = []
    for f in sorted(os.listdir(d)):
        if f.endswith('.elf') and os.path.isfile(os.path.join(d, f)):
            mods.append((os.path.join(d, f), f[:-4]))
    return mods


def program_name(path):
    """The module name of a program file: its basename without .elf."""
    name = os.path.basename(path)
    return name[:-4] if name.endswith('.elf') else name


def boot_program(build='build', program=None, args=(), cpu='max', smp=1, append='', ktest=None,
                 timeout=60, stdout=None, log_stream=None, extra_modules=True, kernel=None,
                 qemu_extra=()):
    """Boot DIR/portcullis.elf with program (a static ELF anywhere) as init, plus args.

    The module name of program is its basename without .elf, and init= carries that name and
    args. With extra_modules, every other DIR/user/*.elf is passed as a module too. Without a
    program, no init= is given (the kernel then runs its default, or only ktest=).
    """
    build = os.path.abspath(build)
    kernel = kernel or os.path.join(build, 'portcullis.elf')
    if not os.path.isfile(kernel):
        raise HarnessError(f'{kernel} does not exist (build the kernel first: make O=...)')
    modules = []
    name = None
    if program is not None:
        if not os.path.isfile(program):
            raise HarnessError(f'{program}: no such file')
        name = program_name(program)
        check_word(name, 'program name')
        if ' ' in name:
            raise HarnessError(f'program name {name!r} contains a space')
        modules.append((os.path.abspath(program), name))
    if extra_modules:
        modules += [(f, n) for f, n in user_modules(build) if n != name]
    for a in args:
        check_word(a, 'argument')
    words = kernel_cmdline_words(append=append, quiet=True, ktest=ktest, init=name, args=args)
    iso = runner_iso(build)
    with tempfile.TemporaryDirectory(prefix='portcullis-run-') as tmp:
        disk = os.path.join(tmp, 'run.img')
        make_run_disk(disk, kernel, modules, words)
        qargs = qemu_base_args(cpu=cpu, smp=smp) + [
            '-boot', 'd',
            '-drive', f'file={iso},media=cdrom,if=ide,index=2,readonly=on',
            '-drive', f'file={disk},format=raw,if=ide,index=0'] + list(qemu_extra)
        res = run_qemu(qargs, timeout=timeout, stdout=stdout, log_stream=log_stream)
    res.cmdline = cmdline_string(words)
    return res


def boot_iso(iso, cpu='max', smp=1, timeout=0, stdout=None, log_stream=None, stdin=None,
             qemu_extra=()):
    """Boot a complete ISO (make run): its grub.cfg decides the command line."""
    if not os.path.isfile(iso):
        raise HarnessError(f'{iso} does not exist')
    qargs = qemu_base_args(cpu=cpu, smp=smp) + [
        '-boot', 'd', '-drive', f'file={iso},media=cdrom,if=ide,index=2,readonly=on'] + list(qemu_extra)
    return run_qemu(qargs, timeout=timeout, stdout=stdout, log_stream=log_stream, stdin=stdin)


def log_tail(res, lines=25):
    text = res.log_text().rstrip('\n')
    if not text:
        return '(the kernel log is empty)'
    return '\n'.join(text.splitlines()[-lines:])


# ---------------------------------------------------------------------------------------------
# KTAP.

KTAP_RESULT = re.compile(r'^(\s*)(not ok|ok)\b\s*(\d+)?\s*(.*)$')
KTAP_PLAN = re.compile(r'^(\s*)1\.\.(\d+)\s*(#.*)?$')
KTAP_VERSION = re.compile(r'^(\s*)(KTAP|TAP) version \d+\s*$')


def check_ktap(text):
    """Check KTAP output. Returns (ok, ntests, problems).

    Every result line, nested ones included, must be `ok` (a `# SKIP` directive counts as ok),
    there must be at least one, no `Bail out!`, and each plan, leading (1..N before the results)
    or trailing (after them, as the kernel's nested suites print it), must match its results.
    """
    problems = []
    results = 0
    count = {}       # indent -> results so far in the current block at that indent
    plan = {}        # indent -> leading plan still to check when the block ends

    def close(ind):
        n = plan.pop(ind, None)
        if n is not None and count.get(ind, 0) != n:
            problems.append(f'plan 1..{n} but {count.get(ind, 0)} results'
                            + (' (nested)' if ind else ''))
        count.pop(ind, None)

    for line in text.splitlines():
        line = line.rstrip('\r')
        if 'Bail out!' in line:
            problems.append(line.strip())
            continue
        m = KTAP_VERSION.match(line)
        if m:
            ind = len(m.group(1))
            for k in [k for k in set(count) | set(plan) if k >= ind]:
                close(k)
            count[ind] = 0
            continue
        m = KTAP_PLAN.match(line)
        if m:
            ind, n = len(m.group(1)), int(m.group(2))
            if count.get(ind, 0) == 0:
                plan[ind] = n                       # leading: checked at the end of the block
            elif count[ind] != n:
                problems.append(f'plan 1..{n} but {count[ind]} results'
                                + (' (nested)' if ind else ''))
            continue
        m = KTAP_RESULT.match(line)
        if not m:
            continue
        ind = len(m.group(1))
        for k in [k for k in set(count) | set(plan) if k > ind]:
            close(k)                                # a parent's result ends nested blocks
        results += 1
        count[ind] = count.get(ind, 0) + 1
        if m.group(2) == 'not ok':
            problems.append(line.strip())
    for k in sorted(set(count) | set(plan), reverse=True):
        close(k)
    if results == 0:
        problems.append('no KTAP results')
    return not problems, results, problems
