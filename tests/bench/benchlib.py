"""Helpers of `make bench` (tests/bench/run) and tests/bench/tcg-profile.

  * ensure_linux(): Debian's Linux kernel image, fetched with `apt-get download` and unpacked
    (not installed) on first use;
  * write_initramfs(): a newc cpio archive written directly (no cpio tool, no root: the
    /dev/console node is just a header);
  * parse_output(): the `bench: ...` lines of user/bench/bench.c;
  * QemuLog: reads a QEMU log written with `-d int,mmu[,exec,nochain]` and splits it into the
    windows that bench's marker mode (-m K) delimits with INT 0x80 markers.
"""

import glob
import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict

MARK_BASE = 0x7ff00000          # bench.c: MARK_BASE + MARK_ABI + 16 * path + 2 * kind + end
MARK_MASK = 0xfff00000


# ---------------------------------------------------------------------------------------------
# Debian's Linux.

class BenchError(Exception):
    pass


def _run(cmd, cwd=None, say=None):
    if say:
        say('  $ ' + ' '.join(cmd))
    try:
        p = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    except OSError as e:
        raise BenchError(f'{cmd[0]}: {e}')
    return p.returncode, p.stdout.decode(errors='replace')


def _apt_download(pkg, cwd, say):
    """apt-get download PKG into cwd; on failure `apt-get update` once and retry."""
    rc, out = _run(['apt-get', 'download', pkg], cwd=cwd, say=say)
    if rc != 0:
        say(f'  apt-get download {pkg} failed; running apt-get update first')
        rc2, out2 = _run(['apt-get', 'update'], say=say)
        if rc2 != 0:
            raise BenchError(f'apt-get update failed (needs root; try sudo apt-get update):\n'
                             + out2[-2000:])
        rc, out = _run(['apt-get', 'download', pkg], cwd=cwd, say=say)
        if rc != 0:
            raise BenchError(f'apt-get download {pkg} failed:\n' + out[-2000:])
    debs = sorted(glob.glob(os.path.join(cwd, f'{pkg}_*.deb')), key=os.path.getmtime)
    if not debs:
        raise BenchError(f'apt-get download {pkg}: no {pkg}_*.deb in {cwd}')
    return debs[-1]


def _deb_field(deb, field):
    rc, out = _run(['dpkg-deb', '-f', deb, field])
    if rc != 0:
        raise BenchError(f'dpkg-deb -f {deb} {field} failed: {out}')
    return out.strip()


def ensure_linux(d, say=print):
    """(vmlinuz path, description) of Debian's linux-image-amd64 in directory d.

    First use: `apt-get download linux-image-amd64` (a metapackage), then the
    linux-image-VERSION-amd64 package it depends on, and unpack only ./boot of it
    (dpkg-deb --fsys-tarfile | tar: the same files dpkg-deb -x would write, without the
    ~400 MB of modules the benchmark does not need). Nothing is installed.
    """
    os.makedirs(d, exist_ok=True)
    found = sorted(glob.glob(os.path.join(d, 'vmlinuz-*')))
    info = os.path.join(d, 'PACKAGE')
    if found:
        desc = open(info).read().strip() if os.path.exists(info) else os.path.basename(found[-1])
        return found[-1], desc
    say(f'bench: fetching Debian\'s Linux kernel into {d}')
    meta = _apt_download('linux-image-amd64', d, say)
    dep = _deb_field(meta, 'Depends')
    m = re.search(r'(linux-image-[0-9][^\s,(]*-amd64)', dep)
    if not m:
        raise BenchError(f'{meta}: cannot find the kernel package in Depends: {dep}')
    pkg = m.group(1)
    deb = _apt_download(pkg, d, say)
    version = _deb_field(deb, 'Version')
    tmp = os.path.join(d, 'unpack')
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    say(f'  $ dpkg-deb --fsys-tarfile {os.path.basename(deb)} | tar -x ./boot')
    try:
        p1 = subprocess.Popen(['dpkg-deb', '--fsys-tarfile', deb], stdout=subprocess.PIPE)
        p2 = subprocess.run(['tar', '-x', '-C', tmp, './boot'], stdin=p1.stdout,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as e:
        raise BenchError(f'unpacking {deb}: {e}')
    p1.stdout.close()
    if p1.wait() != 0 or p2.returncode != 0:
        raise BenchError(f'unpacking {deb} failed: {p2.stdout.decode(errors="replace")}')
    images = glob.glob(os.path.join(tmp, 'boot', 'vmlinuz-*'))
    if not images:
        raise BenchError(f'{deb} has no /boot/vmlinuz-*')
    for f in glob.glob(os.path.join(tmp, 'boot', '*')):
        shutil.move(f, os.path.join(d, os.path.basename(f)))
    shutil.rmtree(tmp, ignore_errors=True)
    desc = f'{pkg} {version} (Debian)'
    with open(info, 'w') as fh:
        fh.write(desc + '\n')
    for f in (meta, deb):
        os.unlink(f)
    return os.path.join(d, os.path.basename(images[0])), desc


# ---------------------------------------------------------------------------------------------
# initramfs (cpio "newc", what the kernel unpacks; see Linux's Documentation/driver-api/
# early-userspace/buffer-format.rst).

def _cpio_entry(ino, name, mode, data=b'', rdev=(0, 0)):
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    b = ('070701' + ''.join(f'{v:08x}' for v in fields)).encode() + name.encode() + b'\0'
    b += b'\0' * (-len(b) % 4)
    b += data + b'\0' * (-len(data) % 4)
    return b


def write_initramfs(path, files):
    """files: list of (name in the archive, host file). Adds /dev/console (the kernel opens it
    for init's standard streams) and makes every file executable."""
    out = bytearray()
    ino = 1
    for name, mode, rdev in (('dev', 0o040755, (0, 0)), ('dev/console', 0o020600, (5, 1))):
        ino += 1
        out += _cpio_entry(ino, name, mode, rdev=rdev)
    for name, host in files:
        ino += 1
        with open(host, 'rb') as fh:
            out += _cpio_entry(ino, name, 0o100755, fh.read())
    out += _cpio_entry(ino + 1, 'TRAILER!!!', 0)
    out += b'\0' * (-len(out) % 512)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as fh:
        fh.write(out)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# bench's output.

LINE = re.compile(r'^bench: (info|path=|window |done|error)(.*)$')


def _kv(text):
    return dict(m.groups() for m in re.finditer(r'(\w+)=(\S+)', text))


def parse_output(text):
    """{'info': [dict...], 'paths': {name: dict}, 'windows': {id: dict}, 'done': n,
    'errors': [str]} from bench's standard output (other lines are ignored)."""
    res = {'info': [], 'paths': {}, 'windows': {}, 'done': 0, 'errors': []}
    for line in text.splitlines():
        line = line.strip('\r')
        m = LINE.match(line)
        if not m:
            continue
        kind, rest = m.groups()
        if kind == 'info':
            res['info'].append(_kv(rest))
        elif kind == 'path=':
            d = _kv('path=' + rest)
            res['paths'][d['path']] = d
        elif kind == 'window ':
            d = _kv(rest)
            res['windows'][int(d['id'], 16)] = d
        elif kind == 'done':
            res['done'] += 1
        else:
            res['errors'].append(line)
    return res


# ---------------------------------------------------------------------------------------------
# QEMU's log.

MARKER = re.compile(r'^\s*\d+: v=80 e=\S+ i=1 cpl=3 .*R_EAX\]=0*([0-9a-f]+)\s*$')
INTLINE = re.compile(r'^\s*\d+: v=([0-9a-f]+) e=\S+ i=(\d) cpl=(\d)')
TRACE = re.compile(r'^Trace \d+: \S+ \[([0-9a-f]+)/([0-9a-f]+)/([0-9a-f]+)/([0-9a-f]+)\]')


class Window:
    def __init__(self, wid):
        self.id = wid
        self.cr3 = 0            # "CR3 update" lines: mov to CR3 with paging on (each flushes the TLB)
        self.cr0 = 0
        self.cr4 = 0
        self.irqs = Counter()   # (vector, cpl) of hardware interrupts and exceptions
        self.tbs = 0            # executed translation blocks (-d exec,nochain)
        self.tb_pcs = Counter()  # pc -> executions


def read_qemu_log(path, want_tbs=False):
    """{window id: Window} for every marker window of a -d int,mmu[,exec,nochain] log."""
    wins = {}
    cur = None
    with open(path, 'r', errors='replace') as fh:
        for line in fh:
            c = line[:1]
            if c == 'C':
                if cur is not None:
                    if line.startswith('CR3 update'):
                        cur.cr3 += 1
                    elif line.startswith('CR0 update'):
                        cur.cr0 += 1
                    elif line.startswith('CR4 update'):
                        cur.cr4 += 1
                continue
            if c == 'T':
                if cur is not None and want_tbs:
                    m = TRACE.match(line)
                    if m:
                        cur.tbs += 1
                        cur.tb_pcs[int(m.group(2), 16)] += 1
                continue
            if c != ' ' and not c.isdigit():
                continue
            m = MARKER.match(line)
            if m:
                v = int(m.group(1), 16)
                if v & MARK_MASK == MARK_BASE:
                    if v & 1:
                        cur = None
                    else:
                        cur = wins.setdefault(v, Window(v))
                    continue
            if cur is not None:
                m = INTLINE.match(line)
                if m and m.group(2) == '0':
                    cur.irqs[(int(m.group(1), 16), int(m.group(3)))] += 1
    return wins


def window_pairs(windows_printed, wins):
    """{path: (base Window, path Window, n)} from bench's window lines and the log's windows."""
    by_path = defaultdict(dict)
    for wid, d in windows_printed.items():
        by_path[d['path']][d['kind']] = (wid, int(d['n']))
    out = {}
    for path, kinds in by_path.items():
        if 'base' in kinds and 'path' in kinds:
            (bid, n), (pid, _) = kinds['base'], kinds['path']
            if bid in wins and pid in wins:
                out[path] = (wins[bid], wins[pid], n)
    return out


def qemu_version(qemu):
    try:
        p = subprocess.run([qemu, '--version'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL)
        return p.stdout.decode(errors='replace').splitlines()[0].strip()
    except (OSError, IndexError):
        return 'unknown'


def host_cpu():
    try:
        with open('/proc/cpuinfo') as fh:
            for line in fh:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return 'unknown'


if __name__ == '__main__':
    # Debugging aid: python3 benchlib.py QEMU.LOG -> the windows of a log.
    for wid, w in sorted(read_qemu_log(sys.argv[1], want_tbs=True).items()):
        print(f'{wid:#x}: cr3={w.cr3} cr0={w.cr0} cr4={w.cr4} irqs={dict(w.irqs)} tbs={w.tbs}')
