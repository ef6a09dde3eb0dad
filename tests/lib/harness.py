"""Portcullis harness core: boot the kernel in QEMU or Bochs, stream COM1, read the exit marker.

Used by tests/run-elf (one program), tests/run (the matrix) and `make run` (a whole ISO), so the
kernel <-> harness contract is interpreted in exactly one place:

  * COM1 carries the console: the programs' output, KTAP from the self-tests, and the kernel log
    unless the kernel was booted with `quiet` (then the log is on COM2).
  * When init exits the kernel writes ESC _ "portcullis exit=N" ESC \\ on COM1 (N = 0..255) and
    then 0 to port 0xf4 (isa-debug-exit: QEMU exits with 1). On a panic it writes
    ESC _ "portcullis panic" ESC \\ and 1 to port 0xf4 (QEMU exits with 3). Either way it then
    writes "Shutdown" to port 0x8900, which stops Bochs (exit status 1).
  * A triple fault or a reset with -no-reboot makes QEMU exit (status 0) without any marker;
    Bochs (reset_on_triple_fault=0) stops with a panic message. Only the markers decide.

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


# A cylinder of the geometry Bochs autodetects for a flat disk image (16 heads, 63 sectors):
# its BIOS reports whole cylinders only, so a partial last one would be out of GRUB's reach.
DISK_CYLINDER = 16 * 63 * 512


def disk_image_size(need):
    """Bytes of a run disk holding at least need bytes: whole cylinders (QEMU takes any size)."""
    return -(-need // DISK_CYLINDER) * DISK_CYLINDER


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
    need = max(4 << 20, size * 5 // 4 + (1 << 20))     # room for FAT overhead and clusters
    with open(path, 'wb') as fh:
        fh.truncate(disk_image_size(need))
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
# Emulators. QEMU (TCG) and Bochs boot the same way: the runner ISO as CD, the run's FAT image as
# the first IDE disk, GRUB, multiboot2. COM1 and COM2 reach us through pipes either way.

EMULATORS = ('qemu', 'bochs')
DEFAULT_CPU = {'qemu': 'max', 'bochs': 'corei7_icelake_u'}
DEFAULT_TIMEOUT = {'qemu': 60, 'bochs': 120}     # run-elf's per-run timeout, seconds
MEMORY_MIB = 256

# Vendors, for the test manifest's `intel` / `amd` terms. QEMU: `vendor=` in the model string
# wins; TCG's `max` and `qemu64` say AuthenticAMD. Bochs: the AMD models below, the rest Intel.
QEMU_AMD_MODELS = ('qemu64', 'max', 'phenom', 'athlon', 'Opteron', 'EPYC', 'Dhyana')
QEMU_INTEL_MODELS = ('qemu32', 'kvm32', 'kvm64', 'pentium', 'coreduo', 'core2duo', 'n270',
                     'Conroe', 'Penryn', 'Nehalem', 'Westmere', 'SandyBridge', 'IvyBridge',
                     'Haswell', 'Broadwell', 'Skylake', 'Cascadelake', 'Cooperlake', 'Icelake',
                     'SapphireRapids', 'GraniteRapids', 'SierraForest', 'ClearwaterForest',
                     'Snowridge', 'Denverton')
BOCHS_AMD_MODELS = ('amd_k6_2_chomper', 'athlon64_clawhammer', 'athlon64_venice',
                    'turion64_tyler', 'phenom_8650_toliman', 'zambezi', 'trinity_apu', 'ryzen')


def cpu_vendor(emulator, cpu):
    """'intel' or 'amd': the CPUID vendor the guest sees for this emulator and CPU model."""
    if emulator == 'bochs':
        return 'amd' if cpu in BOCHS_AMD_MODELS else 'intel'
    m = re.search(r'(?:^|,)vendor=(\w+)', cpu)
    if m:
        return 'intel' if m.group(1) == 'GenuineIntel' else 'amd'
    base = cpu.split(',')[0]
    if any(base == x or base.startswith(x + '-') or base.startswith(x + 'v')
           for x in QEMU_INTEL_MODELS):
        return 'intel'
    return 'amd'


def check_emulator(emulator):
    if emulator not in EMULATORS:
        raise HarnessError(f'unknown emulator {emulator!r} (known: {", ".join(EMULATORS)})')
    return emulator


class Result:
    """What one boot gave.

    status: the program's exit status (from the marker), or STATUS_TIMEOUT / STATUS_BROKEN.
    reason: None when the exit marker was seen; otherwise why the run is broken.
    """

    def __init__(self, emulator='qemu'):
        self.emulator = emulator
        self.status = STATUS_BROKEN
        self.reason = None
        self.output = b''        # COM1 with the markers removed
        self.log = b''           # COM2 (the kernel log with `quiet`), GRUB's errors included
        self.emu_status = None   # the emulator's exit status (negative: killed by that signal)
        self.emu_output = b''    # the emulator's own stderr (QEMU) or stdout+stderr (Bochs)
        self.emu_log = b''       # Bochs: its log file (bochsrc `log:`); QEMU: empty
        self.elapsed = 0.0
        self.cmdline = ''
        self.markers = []
        self.verdict = None      # 'exit', 'panic' or None (no marker seen)

    # The names from before Bochs; tests/bench uses them.
    @property
    def qemu_status(self):
        return self.emu_status

    @property
    def qemu_stderr(self):
        return self.emu_output

    def log_text(self):
        return clean_log(self.log)


def clean_log(data):
    """The COM2 log for humans: GRUB's terminal-setup escapes and CRs removed."""
    data = re.sub(rb'\x1b\[[0-9;]*[A-Za-z]', b'', data)
    data = data.replace(b'\r\n', b'\n').replace(b'\r', b'')
    return data.decode('utf-8', errors='replace')


# Every emulator still running, so that an interrupted harness leaves none behind.
_live = set()
_live_lock = threading.Lock()


def kill_all():
    with _live_lock:
        procs = list(_live)
    for p in procs:
        _kill(p)


atexit.register(kill_all)


def exit_on_sigterm():
    """Make SIGTERM (and SIGHUP) unwind like Ctrl-C does, so that the emulators are killed."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


# setpriv (util-linux) makes the kernel send the emulator SIGKILL if we die without cleaning up.
_SETPRIV = shutil.which('setpriv')


def _kill(p):
    if p.poll() is None:
        try:
            p.terminate()
            p.wait(timeout=2)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _supervise(cmd, res, com1, com2_r, pass_fds, stdin, merge_stderr, timeout, stdout,
               log_stream, grace):
    """Run an emulator, stream its COM1 (markers stripped) and COM2 until it exits.

    com1: the read end of COM1's pipe, or 'stdout' for the process's standard output (QEMU's
    -serial stdio). com2_r: the read end of COM2's pipe. pass_fds: the write ends the emulator
    inherits; they are closed here once it has started, so that its exit is our EOF.
    merge_stderr: its stderr goes with its stdout (then both are the emulator's own output).
    Fills res (output, log, emu_output, emu_status, markers, elapsed); returns
    (MarkerStream, timed_out).
    """
    ms = MarkerStream()
    out, log, err = bytearray(), bytearray(), bytearray()
    if _SETPRIV:
        cmd = [_SETPRIV, '--pdeathsig', 'KILL', '--'] + list(cmd)
    t0 = time.monotonic()
    try:
        p = subprocess.Popen(cmd, stdin=None if stdin == 'inherit' else subprocess.DEVNULL,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
                             pass_fds=pass_fds, start_new_session=(stdin != 'inherit'))
    except OSError as e:
        for fd in list(pass_fds) + [com2_r] + ([] if com1 == 'stdout' else [com1]):
            os.close(fd)
        raise HarnessError(f'cannot start {cmd[0]}: {e}')
    with _live_lock:
        _live.add(p)
    for fd in pass_fds:
        os.close(fd)
    fds = {com2_r: 'com2', p.stdout.fileno(): 'com1' if com1 == 'stdout' else 'err'}
    if com1 != 'stdout':
        fds[com1] = 'com1'
    if not merge_stderr:
        fds[p.stderr.fileno()] = 'err'
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
        if com1 != 'stdout':
            os.close(com1)
        p.stdout.close()
        if p.stderr:
            p.stderr.close()
    emit(ms.flush())
    res.elapsed = time.monotonic() - t0
    res.output, res.log, res.emu_output = bytes(out), bytes(log), bytes(err)
    res.emu_status = p.returncode
    res.markers = ms.markers
    res.verdict = ms.verdict
    return ms, timed_out


def _verdict(res, ms, timed_out, timeout, name):
    """Status and reason from the markers; True if they decided (else the caller explains)."""
    if ms.verdict == 'panic':
        res.status, res.reason = STATUS_BROKEN, 'kernel panic'
    elif ms.verdict == 'exit':
        res.status, res.reason = ms.exit_status, None
    elif timed_out:
        res.status, res.reason = STATUS_TIMEOUT, f'timeout after {timeout:g} s ({name} killed)'
    else:
        res.status = STATUS_BROKEN
        return False
    return True


# ---------------------------------------------------------------------------------------------
# QEMU.

def qemu_base_args(cpu='max', smp=1, memory='256M'):
    return [QEMU, '-nodefaults', '-accel', 'tcg', '-cpu', cpu, '-smp', str(smp), '-m', memory,
            '-no-reboot', '-display', 'none', '-monitor', 'none',
            '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']


def run_qemu(args, timeout=60, stdout=None, log_stream=None, stdin=None, grace=3.0):
    """Run QEMU with COM1 on a pipe we read (markers stripped) and COM2 on another.

    args: QEMU arguments without any -serial. stdout: binary file to stream COM1 to (flushed as
    it arrives), or None. log_stream: binary file to stream COM2 to, or None. stdin: None for
    /dev/null, or 'inherit' to give QEMU (and so COM1's input) our standard input.
    timeout: seconds, 0 or None for none. grace: seconds QEMU gets to exit after a marker.
    """
    res = Result('qemu')
    com2_r, com2_w = os.pipe()
    cmd = list(args) + ['-serial', 'stdio', '-serial', f'file:/proc/self/fd/{com2_w}']
    ms, timed_out = _supervise(cmd, res, 'stdout', com2_r, [com2_w], stdin, False, timeout,
                               stdout, log_stream, grace)
    if not _verdict(res, ms, timed_out, timeout, 'QEMU'):
        q = res.emu_status
        if q == 0:
            res.reason = 'QEMU exited without a marker: triple fault, reset or power-off'
        elif q in (1, 3):
            res.reason = f'port 0xf4 written ({(q - 1) // 2}) without an exit marker on COM1'
        elif q is not None and q < 0:
            res.reason = f'QEMU killed by signal {-q}'
        else:
            msg = res.emu_output.decode(errors='replace').strip().splitlines()
            res.reason = f'QEMU failed (status {q})' + (f': {msg[-1]}' if msg else '')
    return res


# ---------------------------------------------------------------------------------------------
# Bochs.
#
# Debian's Bochs 2.7 has no `nogui` display and has the internal debugger: the display is VNC
# (rfb) that does not wait for a client, and a debugger script (-rc) says `c` then `quit`, with
# /dev/null as stdin. COM1 and COM2 are `mode=file` on /proc/self/fd/N of our pipes. The kernel
# stops Bochs by writing "Shutdown" to port 0x8900 (Bochs exits with 1 and "shutdown requested");
# a triple fault with reset_on_triple_fault=0 is a Bochs panic (exit 1 too); a magic breakpoint
# (xchg bx,bx) drops into the debugger, which reads `quit` (exit 0). The verdict comes from the
# markers on COM1 only, as for QEMU.

BOCHS = os.environ.get('BOCHS', 'bochs')
BOCHS_BIOS = os.environ.get('BOCHS_BIOS', '/usr/share/bochs/BIOS-bochs-latest')
BOCHS_VGABIOS = os.environ.get('BOCHS_VGABIOS', '/usr/share/vgabios/vgabios.bin')
# Guest instructions per emulated second (clock: sync=none, so guest time is instruction count):
# the TSC runs at this rate and the APIC timer ticks every BOCHS_IPS/HZ instructions.
BOCHS_IPS = int(os.environ.get('BOCHS_IPS', '100000000'))
BOCHS_DEBUGGER_SCRIPT = 'c\nquit\n'

_bochs_models = None


def bochs_cpu_models():
    """The CPU models this Bochs knows (`bochs --help cpu`), cached; None if it cannot tell."""
    global _bochs_models
    if _bochs_models is None:
        try:
            p = subprocess.run([BOCHS, '-q', '--help', 'cpu'], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise HarnessError(f'cannot run {BOCHS}: {e}')
        text = p.stdout.decode(errors='replace')
        models = []
        if 'Supported CPU models:' in text:
            for line in text.split('Supported CPU models:', 1)[1].splitlines():
                if re.fullmatch(r'\w+', line.strip()):
                    models.append(line.strip())
                elif models and line.strip():
                    break
        _bochs_models = models
    return _bochs_models or None


def check_bochs_cpu(cpu):
    if not re.fullmatch(r'\w+', cpu):
        raise HarnessError(f'Bochs CPU model {cpu!r}: a model name is a single word')
    models = bochs_cpu_models()
    if models is not None and cpu not in models:
        raise HarnessError(f'{BOCHS} does not know the CPU model {cpu!r}; it knows: '
                           + ' '.join(models))
    return cpu


def bochs_path(path):
    """A path as a bochsrc value (Bochs splits values at commas and has no escapes)."""
    path = os.path.abspath(path)
    if any(c in path for c in ',"\n'):
        raise HarnessError(f'{path}: Bochs cannot take a path with a comma or a double quote')
    return f'"{path}"' if ' ' in path else path


def bochs_config(cpu=None, smp=1, memory_mib=MEMORY_MIB, cdrom=None, disk=None):
    """bochsrc lines for one run, without the COM ports and the log (run_bochs adds them).

    cdrom: an ISO on ata0-slave, booted from. disk: a flat image on ata0-master (BIOS disk 0x80,
    GRUB's hd0); its geometry is autodetected, so its size must be whole cylinders of 16 heads
    x 63 sectors (make_run_disk sees to it).
    """
    cpu = check_bochs_cpu(cpu or DEFAULT_CPU['bochs'])
    for f, what in ((BOCHS_BIOS, 'Bochs BIOS'), (BOCHS_VGABIOS, 'VGA BIOS')):
        if not os.path.isfile(f):
            raise HarnessError(f'{what} {f} is missing (packages bochsbios and vgabios)')
    lines = [
        '# Generated by tests/lib/harness.py for one run.',
        f'megs: {int(memory_mib)}',
        f'romimage: file={bochs_path(BOCHS_BIOS)}, options=fastboot',
        f'vgaromimage: file={bochs_path(BOCHS_VGABIOS)}',
        # ignore_bad_msrs=0: an MSR the model lacks raises #GP, as on hardware.
        f'cpu: model={cpu}, count={int(smp)}, ips={BOCHS_IPS}, reset_on_triple_fault=0, '
        'ignore_bad_msrs=0',
        'clock: sync=none, time0=local',
        'display_library: rfb, options="timeout=0"',
        'sound: driver=dummy',
        'speaker: enabled=0',
        'mouse: enabled=0',
        'magic_break: enabled=1',
        'panic: action=fatal',
        'error: action=report',
        'info: action=report',
        'debug: action=ignore',
    ]
    if disk:
        lines.append(f'ata0-master: type=disk, path={bochs_path(disk)}, mode=flat')
    if cdrom:
        lines.append(f'ata0-slave: type=cdrom, path={bochs_path(cdrom)}, status=inserted')
        lines.append('boot: cdrom')
    else:
        lines.append('boot: disk')
    return lines


def _bochs_exit_message(text):
    """The message after Bochs's `Bochs is exiting with the following message:` banner."""
    m = re.search(r'Bochs is exiting with the following message:\s*\n\s*(?:\[[^\]]*\]\s*)?(.+)',
                  text)
    return m.group(1).strip() if m else None


def run_bochs(config, workdir, timeout=120, stdout=None, log_stream=None, grace=3.0, extra=(),
              debugger=None):
    """Run Bochs on config (bochsrc lines from bochs_config) with COM1 and COM2 on our pipes.

    workdir: a directory for bochsrc, the debugger script and Bochs's log. extra: more bochsrc
    lines, last (a later directive overrides the parameters it names). debugger: the commands for
    Bochs's internal debugger (default BOCHS_DEBUGGER_SCRIPT: run to the end); what the debugger
    prints is in res.emu_output. Otherwise as run_qemu (COM1 streamed to stdout with the markers
    stripped, COM2 to log_stream).
    """
    res = Result('bochs')
    com1_r, com1_w = os.pipe()
    com2_r, com2_w = os.pipe()
    logfile = os.path.join(workdir, 'bochs.log')
    rc = os.path.join(workdir, 'bochsrc')
    script = os.path.join(workdir, 'bochs-debugger.rc')
    with open(rc, 'w') as fh:
        fh.write('\n'.join(list(config) + [
            f'com1: enabled=1, mode=file, dev=/proc/self/fd/{com1_w}',
            f'com2: enabled=1, mode=file, dev=/proc/self/fd/{com2_w}',
            f'log: {bochs_path(logfile)}'] + list(extra)) + '\n')
    with open(script, 'w') as fh:
        fh.write(BOCHS_DEBUGGER_SCRIPT if debugger is None else debugger)
    cmd = [BOCHS, '-q', '-f', rc, '-rc', script]
    ms, timed_out = _supervise(cmd, res, com1_r, com2_r, [com1_w, com2_w], None, True, timeout,
                               stdout, log_stream, grace)
    try:
        with open(logfile, 'rb') as fh:
            res.emu_log = fh.read()
    except OSError:
        pass
    if not _verdict(res, ms, timed_out, timeout, 'Bochs'):
        q = res.emu_status
        msg = _bochs_exit_message(res.emu_output.decode(errors='replace'))
        if q is not None and q < 0:
            res.reason = f'Bochs killed by signal {-q}'
        elif msg and 'shutdown requested' in msg:
            res.reason = 'port 0x8900 (Bochs shutdown) written without an exit marker on COM1'
        elif msg:
            res.reason = f'Bochs stopped without an exit marker: {msg}'
        elif q == 0:
            res.reason = ('Bochs stopped without an exit marker: a magic breakpoint (xchg bx,bx) '
                          'or the debugger quit')
        else:
            lines = res.emu_output.decode(errors='replace').strip().splitlines()
            res.reason = f'Bochs failed (status {q})' + (f': {lines[-1]}' if lines else '')
    return res


def bochs_log_tail(res, lines=15):
    """The end of Bochs's own log: the panic and the CPU state it dumps."""
    text = res.emu_log.decode(errors='replace').rstrip('\n')
    return '\n'.join(text.splitlines()[-lines:])


# ---------------------------------------------------------------------------------------------
# Booting a program or an ISO.

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


# ---------------------------------------------------------------------------------------------
# The reference: the same static binary on this Linux host.

HOST_ENV = {'HOME': '/', 'TERM': 'linux'}     # the environment Portcullis gives init (exec.c)


def run_on_host(program, args=(), build=None, timeout=30):
    """Run a static program on this (Linux x86-64) host as Portcullis would run it as init.

    The same argv (argv[0] is the module name, not the file's path), the same environment
    (HOME=/ TERM=linux), stdout and stderr together on a terminal, as the guest's console is
    (so stdio buffers by lines on both), output post-processing (ONLCR) off. The working
    directory holds a link NAME -> DIR/user/NAME.elf for every program of build (the guest's
    root directory lists the same modules), so a relative path names the same file on both.
    Returns (status, output): the exit status as a shell reports it (128 + signal when killed),
    and the bytes written. Raises HarnessError if the program cannot be started or times out.
    """
    import pty
    import termios
    name = program_name(program)
    with tempfile.TemporaryDirectory(prefix='portcullis-host-') as cwd:
        for f, n in (user_modules(build) if build else []):
            os.symlink(os.path.abspath(f), os.path.join(cwd, n))
        master, slave = pty.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[1] &= ~termios.OPOST                       # oflag: no "\n" -> "\r\n"
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        try:
            p = subprocess.Popen([name] + list(args), executable=os.path.abspath(program),
                                 stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, cwd=cwd,
                                 env=dict(HOST_ENV), close_fds=True, start_new_session=True)
        except OSError as e:
            os.close(master)
            os.close(slave)
            raise HarnessError(f'cannot run {program} on the host: {e}')
        os.close(slave)
        out = b''
        deadline = time.monotonic() + timeout
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    p.kill()
                    p.wait()
                    raise HarnessError(f'{name} on the host: no exit in {timeout:.0f} s')
                r, _, _ = select.select([master], [], [], min(left, 0.5))
                if r:
                    try:
                        data = os.read(master, 65536)
                    except OSError:               # EIO: every writer has gone
                        data = b''
                    if not data:
                        break
                    out += data
            p.wait(timeout=max(1, deadline - time.monotonic()))
        finally:
            os.close(master)
    status = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return status, out


def boot_program(build='build', program=None, args=(), cpu=None, smp=1, append='', ktest=None,
                 timeout=None, stdout=None, log_stream=None, extra_modules=True, kernel=None,
                 qemu_extra=(), emulator='qemu', bochs_extra=(), bochs_script=None):
    """Boot DIR/portcullis.elf with program (a static ELF anywhere) as init, plus args.

    The module name of program is its basename without .elf, and init= carries that name and
    args. With extra_modules, every other DIR/user/*.elf is passed as a module too. Without a
    program, no init= is given (the kernel then runs its default, or only ktest=).
    emulator: 'qemu' or 'bochs'; cpu: its CPU model (default DEFAULT_CPU[emulator]); timeout:
    seconds (default DEFAULT_TIMEOUT[emulator]; 0 = none). qemu_extra: more QEMU arguments;
    bochs_extra: more bochsrc lines; bochs_script: the Bochs debugger's commands (run_bochs).
    """
    check_emulator(emulator)
    cpu = cpu or DEFAULT_CPU[emulator]
    timeout = DEFAULT_TIMEOUT[emulator] if timeout is None else timeout
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
    if emulator == 'bochs':
        check_bochs_cpu(cpu)
    iso = runner_iso(build)
    with tempfile.TemporaryDirectory(prefix='portcullis-run-') as tmp:
        disk = os.path.join(tmp, 'run.img')
        make_run_disk(disk, kernel, modules, words)
        if emulator == 'bochs':
            cfg = bochs_config(cpu=cpu, smp=smp, cdrom=iso, disk=disk)
            res = run_bochs(cfg, tmp, timeout=timeout, stdout=stdout, log_stream=log_stream,
                            extra=bochs_extra, debugger=bochs_script)
        else:
            qargs = qemu_base_args(cpu=cpu, smp=smp) + [
                '-boot', 'd',
                '-drive', f'file={iso},media=cdrom,if=ide,index=2,readonly=on',
                '-drive', f'file={disk},format=raw,if=ide,index=0'] + list(qemu_extra)
            res = run_qemu(qargs, timeout=timeout, stdout=stdout, log_stream=log_stream)
    res.cmdline = cmdline_string(words)
    return res


def boot_iso(iso, cpu=None, smp=1, timeout=0, stdout=None, log_stream=None, stdin=None,
             qemu_extra=(), emulator='qemu', bochs_extra=()):
    """Boot a complete ISO (make run): its grub.cfg decides the command line.

    With Bochs, COM1 is output only (standard input does not reach the guest).
    """
    check_emulator(emulator)
    cpu = cpu or DEFAULT_CPU[emulator]
    if not os.path.isfile(iso):
        raise HarnessError(f'{iso} does not exist')
    if emulator == 'bochs':
        cfg = bochs_config(cpu=cpu, smp=smp, cdrom=iso)
        with tempfile.TemporaryDirectory(prefix='portcullis-run-') as tmp:
            return run_bochs(cfg, tmp, timeout=timeout, stdout=stdout, log_stream=log_stream,
                             extra=bochs_extra)
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


def ktap_mask(text, names):
    """Take known failures out of KTAP output: the top-level results named in names.

    Each such result line becomes `ok N NAME # XFAIL` and the nested lines that belong to it
    (the indented block before it) are dropped, so check_ktap() judges only the rest. Returns
    (masked text, the names among them that were `not ok`, in order).
    """
    names = set(names)
    if not names:
        return text, []
    out, block, failed = [], [], []
    for line in text.splitlines():
        raw = line.rstrip('\r')
        if raw[:1] in (' ', '\t'):
            block.append(line)
            continue
        m = KTAP_RESULT.match(raw)
        if m and m.group(4).split('#')[0].strip() in names:
            name = m.group(4).split('#')[0].strip()
            if m.group(2) == 'not ok':
                failed.append(name)
            out.append(f'ok {m.group(3) or ""} {name} # XFAIL'.replace('  ', ' '))
            block = []
            continue
        out += block + [line]
        block = []
    out += block
    return '\n'.join(out) + ('\n' if text.endswith('\n') else ''), failed


NM = os.environ.get('NM', 'nm')


def ktest_suites(kernel):
    """The self-test suites built into a kernel ELF, in the order ktest=all runs them.

    KTEST_SUITE(name) leaves a `ktest_desc_NAME` descriptor in the .ktest section; ktest=all
    walks that section in address order. Read from the symbol table with nm; [] if there is none.
    """
    try:
        p = subprocess.run([NM, '--defined-only', kernel], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        raise HarnessError(f'cannot run {NM}: {e}')
    if p.returncode != 0:
        raise HarnessError(f'{NM} {kernel} failed: {p.stderr.decode(errors="replace").strip()}')
    found = []
    for line in p.stdout.decode(errors='replace').splitlines():
        m = re.fullmatch(r'([0-9a-fA-F]+) [rRdD] ktest_desc_(\w+)', line.strip())
        if m:
            found.append((int(m.group(1), 16), m.group(2)))
    return [name for _, name in sorted(found)]
