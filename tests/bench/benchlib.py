"""Helpers of `make bench` (tests/bench/run) and tests/bench/tcg-profile.

  * ensure_linux(): Debian's Linux kernel image, fetched with `apt-get download` and unpacked
    (not installed) on first use;
  * write_initramfs(): a newc cpio archive written directly (no cpio tool, no root: the
    /dev/console node is just a header);
  * parse_output(): the `bench: ...` lines of user/bench/bench.c;
  * read_qemu_log(): reads a QEMU log written with `-d int,mmu[,exec,nochain]` and splits it
    into the windows that bench's marker mode (-m K) delimits with INT 0x80 markers;
  * bochs_count_script() and read_bochs_debugger(): the same windows under Bochs, whose internal
    debugger stops at every MOV to CR3 of the kernel and at the markers, and prints the
    registers: the value written tells whether the write flushes (CR3 bit 63, NOFLUSH).
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
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
        self.flush = 0          # Bochs: MOV to CR3 without the NOFLUSH bit (63)
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


# ---------------------------------------------------------------------------------------------
# Bochs's debugger: CR3 writes and whether they flush.
#
# QEMU logs CR3 writes but has no PCID, so every write flushes; Bochs has PCID but no such log
# (and flushes on every write too, ignoring NOFLUSH, so its TLB cannot tell either). What the
# kernel asks for is in the value it writes: a MOV to CR3 keeps the TLB entries of the PCID it
# loads only if bit 63 is set (with CR4.PCIDE on; Portcullis never sets the bit otherwise). So the
# count run puts a breakpoint on every MOV to CR3 in the kernel image (found by a linear sweep of
# its executable segments, as scripts/genwindows does for the entry text) and on the INT 0x80 of
# bench's marker function, and prints the registers at each stop.

BOCHS_MAX_BPOINTS = 16          # BX_DBG_MAX_LIN_BPOINTS, and as many physical ones (Bochs 2.7)
BX_STOP = re.compile(r'^\(\d+\) \[0x[0-9a-f]+\] [0-9a-f]{4}:[0-9a-f]+ \([^)]*\): (.*?)\s*;')
BX_REG = re.compile(r'^(r[a-z0-9]+)\s*: ([0-9a-f]{8})_([0-9a-f]{8})\s*$')
MOV_CR3 = re.compile(r'^mov\s+cr3,\s*(\w+)$')


def _sweep(data, vma):
    """[(address, instruction text)] of code bytes loaded at vma (objdump's linear sweep)."""
    with tempfile.NamedTemporaryFile(suffix='.bin') as tmp:
        tmp.write(data)
        tmp.flush()
        out = subprocess.run(['objdump', '-D', '-b', 'binary', '-m', 'i386:x86-64', '-M', 'intel',
                              f'--adjust-vma={vma:#x}', tmp.name], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, check=True).stdout.decode(errors='replace')
    insns = []
    for line in out.splitlines():
        parts = line.split('\t')
        if len(parts) >= 3 and parts[0].strip().endswith(':'):
            insns.append((int(parts[0].strip()[:-1], 16), ' '.join(parts[2].split())))
    return insns


def cr3_write_sites(kernel):
    """[(virtual, physical, register)] of every MOV to CR3 in the 64-bit code of kernel (ELF)."""
    out = subprocess.run(['readelf', '-lW', kernel], stdout=subprocess.PIPE, check=True,
                         stderr=subprocess.PIPE).stdout.decode()
    sites = []
    with open(kernel, 'rb') as fh:
        for line in out.splitlines():
            f = line.split()
            if len(f) < 8 or f[0] != 'LOAD' or 'E' not in ''.join(f[6:-1]):
                continue
            off, vaddr, paddr, filesz = (int(x, 16) for x in f[1:5])
            if vaddr < 0xffff800000000000:
                continue            # .boot: 32-bit code before paging, not in any window
            fh.seek(off)
            for addr, text in _sweep(fh.read(filesz), vaddr):
                m = MOV_CR3.match(text)
                if m:
                    sites.append((addr, addr - vaddr + paddr, m.group(1)))
    if not sites:
        raise BenchError(f'{kernel}: no MOV to CR3 found')
    return sites


def marker_site(program):
    """Address of the INT 0x80 in bench's marker function (bench_mark64 or bench_mark32)."""
    out = subprocess.run(['objdump', '-d', '-M', 'intel', program], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, check=True).stdout.decode(errors='replace')
    inside = False
    for line in out.splitlines():
        if re.match(r'^[0-9a-f]+ <bench_mark(64|32)>:', line):
            inside = True
        elif inside and re.search(r'\tint\s+0x80', line):
            return int(line.split(':')[0], 16)
        elif inside and not line.strip():
            break
    raise BenchError(f'{program}: no INT 0x80 in bench_mark64/bench_mark32')


def bochs_count_script(kernel, program, stops):
    """Debugger commands: a breakpoint on every CR3 write of kernel and on program's marker,
    then up to `stops` times continue and print the registers."""
    sites = cr3_write_sites(kernel)
    lines = [f'lb {marker_site(program):#x}']
    free_lin = BOCHS_MAX_BPOINTS - 1
    for virt, phys, _ in sites:
        if free_lin:
            lines.append(f'lb {virt:#x}')
            free_lin -= 1
        else:
            lines.append(f'pb {phys:#x}')
    if len(sites) > 2 * BOCHS_MAX_BPOINTS - 1:
        raise BenchError(f'{kernel}: {len(sites)} CR3 writes, more than Bochs has breakpoints')
    return '\n'.join(lines + ['c', 'r'] * stops + ['quit', ''])


def read_bochs_debugger(text):
    """{window id: Window} from what Bochs's debugger printed for bochs_count_script."""
    wins = {}
    cur = None
    insn, regs = None, {}
    for line in text.splitlines():
        m = BX_STOP.match(line)
        if m:
            insn, regs = m.group(1).strip(), {}
            continue
        if insn is None:
            continue
        m = BX_REG.match(line)
        if m:
            regs[m.group(1)] = int(m.group(2) + m.group(3), 16)
            continue
        if not line.startswith('eflags'):
            continue
        # The stop is complete: registers as they were before the instruction ran.
        mc = MOV_CR3.match(insn)
        if insn.startswith('int 0x80') and 'rax' in regs:
            v = regs['rax'] & 0xffffffff
            if v & MARK_MASK == MARK_BASE:
                cur = None if v & 1 else wins.setdefault(v, Window(v))
        elif mc and cur is not None and mc.group(1) in regs:
            cur.cr3 += 1
            if not regs[mc.group(1)] >> 63:
                cur.flush += 1
        insn = None
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
