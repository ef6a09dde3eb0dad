"""Self-tests of the harness that need no emulator: markers, KTAP, command-line quoting, the
Bochs configuration and its supervision (against a fake Bochs), and tests/run's legs, filters,
manifest and known-failure (xfail) logic.

Run by tests/run before the matrix (and counted in its totals), or alone:
    python3 -m unittest discover -s tests/lib -p 'test_*.py'
"""

import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def load_tests_run():
    """tests/run as a module (it is a script without .py)."""
    path = os.path.join(harness.SRC, 'tests', 'run')
    loader = importlib.machinery.SourceFileLoader('tests_run', path)
    spec = importlib.util.spec_from_loader('tests_run', loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


run = load_tests_run()


def feed_in_chunks(data, step):
    m = harness.MarkerStream()
    out = b''
    for i in range(0, len(data), step):
        out += m.feed(data[i:i + step])
    return out + m.flush(), m


class MarkerTest(unittest.TestCase):
    def test_exit_marker_stripped_at_any_split(self):
        data = b'hello\n\x1b_portcullis exit=42\x1b\\'
        for step in range(1, len(data) + 1):
            out, m = feed_in_chunks(data, step)
            self.assertEqual(out, b'hello\n')
            self.assertEqual((m.verdict, m.exit_status), ('exit', 42))

    def test_panic_marker(self):
        out, m = feed_in_chunks(b'x\x1b_portcullis panic\x1b\\', 3)
        self.assertEqual((out, m.verdict), (b'x', 'panic'))

    def test_other_escapes_pass_through(self):
        data = b'\x1b[1mbold\x1b[0m \x1b_other\x1b\\ \x1b_portcul'
        for step in (1, 2, 5, len(data)):
            out, m = feed_in_chunks(data, step)
            self.assertEqual(out, data)
            self.assertIsNone(m.verdict)

    def test_unterminated_marker_is_output(self):
        data = b'\x1b_portcullis' + b'x' * 100
        out, m = feed_in_chunks(data, 7)
        self.assertEqual(out, data)
        self.assertIsNone(m.verdict)

    def test_first_exit_wins(self):
        out, m = feed_in_chunks(b'\x1b_portcullis exit=0\x1b\\\x1b_portcullis exit=3\x1b\\', 4)
        self.assertEqual(m.exit_status, 0)


class KtapTest(unittest.TestCase):
    def check(self, text):
        return harness.check_ktap(text)

    def test_all_ok_leading_plan(self):
        self.assertEqual(self.check('KTAP version 1\n1..2\nok 1 a\nok 2 b # SKIP x\n'),
                         (True, 2, []))

    def test_not_ok(self):
        ok, n, probs = self.check('1..2\nok 1 a\nnot ok 2 b\n')
        self.assertFalse(ok)
        self.assertEqual(probs, ['not ok 2 b'])

    def test_missing_results(self):
        self.assertFalse(self.check('1..3\nok 1 a\n')[0])

    def test_no_results(self):
        self.assertFalse(self.check('hello\n')[0])

    def test_nested_trailing_plans(self):
        text = ('KTAP version 1\n1..2\n'
                '    KTAP version 1\n    # Subtest: a\n    ok 1 x\n    ok 2 y\n    1..2\nok 1 a\n'
                '    KTAP version 1\n    # Subtest: b\n    ok 1 z\n    1..1\nok 2 b\n')
        self.assertEqual(self.check(text), (True, 5, []))

    def test_nested_short(self):
        text = 'KTAP version 1\n1..1\n    KTAP version 1\n    1..3\n    ok 1 x\nok 1 a\n'
        self.assertFalse(self.check(text)[0])

    def test_nested_not_ok(self):
        text = 'KTAP version 1\n1..1\n    not ok 1 x\n    1..1\nnot ok 1 a\n'
        self.assertEqual(len(self.check(text)[2]), 2)

    def test_bail_out(self):
        self.assertFalse(self.check('1..1\nok 1 a\nBail out! oops\n')[0])


class CmdlineTest(unittest.TestCase):
    def test_words(self):
        self.assertEqual(harness.split_kernel_words(' a  b="c d"\te""f '), ['a', 'b=c d', 'ef'])

    def test_init_last_and_quoting(self):
        words = harness.kernel_cmdline_words(append='nosmap pti=off', ktest='all', init='t',
                                             args=['-p', 'two words'])
        self.assertEqual(harness.cmdline_string(words),
                         'quiet ktest=all nosmap pti=off init=t -p "two words"')

    def test_refused(self):
        for bad in ('a"b', "it's", 'back\\slash', 'tab\there', ''):
            with self.assertRaises(harness.HarnessError):
                harness.kernel_cmdline_words(init='t', args=[bad])

    def test_init_in_append_refused(self):
        with self.assertRaises(harness.HarnessError):
            harness.kernel_cmdline_words(append='init=x', init='t')

    def test_program_name(self):
        self.assertEqual(harness.program_name('/a/b/t_abi.elf'), 't_abi')
        self.assertEqual(harness.program_name('prog'), 'prog')


class KtapMaskTest(unittest.TestCase):
    TEXT = ('KTAP version 1\n1..3\n'
            '    KTAP version 1\n    # Subtest: a\n    ok 1 x\n    1..1\nok 1 a\n'
            '    KTAP version 1\n    # Subtest: b\n    not ok 1 y\n    1..1\nnot ok 2 b\n'
            '    KTAP version 1\n    # Subtest: c\n    ok 1 z\n    1..1\nok 3 c\n')

    def test_masked_failure(self):
        masked, failed = harness.ktap_mask(self.TEXT, ['b'])
        self.assertEqual(failed, ['b'])
        self.assertNotIn('not ok', masked)
        self.assertIn('ok 2 b # XFAIL', masked)
        self.assertEqual(harness.check_ktap(masked)[0], True)

    def test_masked_but_passing(self):
        masked, failed = harness.ktap_mask(self.TEXT, ['a'])
        self.assertEqual(failed, [])
        self.assertFalse(harness.check_ktap(masked)[0])     # b still fails

    def test_nothing_masked(self):
        self.assertEqual(harness.ktap_mask(self.TEXT, []), (self.TEXT, []))


class EmulatorTest(unittest.TestCase):
    def test_vendors(self):
        v = harness.cpu_vendor
        self.assertEqual([v('qemu', c) for c in ('qemu64', 'max', 'EPYC', 'EPYC-v4',
                                                  'max,vendor=GenuineIntel', 'Skylake-Client',
                                                  'Icelake-Server-v2', 'Haswell,+pcid')],
                         ['amd', 'amd', 'amd', 'amd', 'intel', 'intel', 'intel', 'intel'])
        self.assertEqual([v('bochs', c) for c in ('corei7_icelake_u', 'tigerlake', 'ryzen',
                                                   'zambezi', 'corei7_haswell_4770')],
                         ['intel', 'intel', 'amd', 'amd', 'intel'])

    def test_disk_size_whole_cylinders(self):
        for need in (1, 4 << 20, (4 << 20) + 1, 10 ** 7):
            size = harness.disk_image_size(need)
            self.assertGreaterEqual(size, need)
            self.assertEqual(size % (16 * 63 * 512), 0)
            self.assertLess(size - need, 16 * 63 * 512)

    def test_bochs_exit_message(self):
        out = ('Next at t=0\n====\nBochs is exiting with the following message:\n'
               '[UNMAP ] Shutdown port: shutdown requested\n====\n')
        self.assertEqual(harness._bochs_exit_message(out), 'Shutdown port: shutdown requested')
        self.assertIsNone(harness._bochs_exit_message('Next at t=0\n'))


class FakeBochsTest(unittest.TestCase):
    """run_bochs against a stand-in for Bochs that writes COM1/COM2 as the bochsrc says."""

    FAKE = textwrap.dedent('''\
        import re, sys, time
        rc = sys.argv[sys.argv.index('-f') + 1]
        cfg = open(rc).read()
        com = dict(re.findall(r'^(com[12]): .*dev=(\\S+)$', cfg, re.M))
        assert 'model=corei7_icelake_u' in cfg and '-rc' in sys.argv, cfg
        mode = re.search(r'^# mode=(\\w+)$', cfg, re.M).group(1)
        c1, c2 = open(com['com1'], 'wb', 0), open(com['com2'], 'wb', 0)
        c2.write(b'kernel log\\n')
        if mode == 'exit':
            c1.write(b'hel'); c1.write(b'lo\\n\\x1b_portcullis ex'); c1.write(b'it=42\\x1b\\\\')
        elif mode == 'panic':
            c1.write(b'x\\x1b_portcullis panic\\x1b\\\\')
        elif mode == 'hang':
            time.sleep(60)
        shutdown = 'Shutdown port: shutdown requested'
        msg = {'exit': shutdown, 'panic': shutdown, 'nomarker': shutdown,
               'triple': 'exception(): 3rd (13) exception with no resolution'}.get(mode)
        if msg:
            print('Bochs is exiting with the following message:\\n[CPU0  ] ' + msg)
        sys.exit(0 if mode == 'magic' else 1)
        ''')

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        fake = os.path.join(self.tmp.name, 'fake-bochs')
        with open(fake, 'w') as fh:
            fh.write(f'#!{sys.executable}\n' + self.FAKE)
        os.chmod(fake, 0o755)
        old = harness.BOCHS, harness._bochs_models
        harness.BOCHS, harness._bochs_models = fake, ['corei7_icelake_u', 'ryzen']
        self.addCleanup(lambda: setattr(harness, 'BOCHS', old[0]))
        self.addCleanup(lambda: setattr(harness, '_bochs_models', old[1]))

    def boot(self, mode, timeout=20):
        cfg = harness.bochs_config(cpu='corei7_icelake_u', cdrom='/x/runner.iso',
                                   disk='/x/run.img')
        return harness.run_bochs(cfg + [f'# mode={mode}'], self.tmp.name, timeout=timeout)

    def test_config(self):
        cfg = '\n'.join(harness.bochs_config(cpu='ryzen', smp=2, cdrom='/a b/r.iso', disk='/d'))
        self.assertIn('cpu: model=ryzen, count=2, ips=', cfg)
        self.assertIn('reset_on_triple_fault=0', cfg)
        self.assertIn('megs: 256', cfg)
        self.assertIn('ata0-master: type=disk, path=/d, mode=flat', cfg)
        self.assertIn('ata0-slave: type=cdrom, path="/a b/r.iso", status=inserted', cfg)
        self.assertIn('boot: cdrom', cfg)
        with self.assertRaises(harness.HarnessError):
            harness.bochs_config(cpu='pentium5')
        with self.assertRaises(harness.HarnessError):
            harness.bochs_config(disk='/a,b')

    def test_exit_marker(self):
        res = self.boot('exit')
        self.assertEqual((res.status, res.reason, res.output), (42, None, b'hello\n'))
        self.assertEqual(res.log, b'kernel log\n')
        self.assertEqual(res.emulator, 'bochs')

    def test_panic(self):
        res = self.boot('panic')
        self.assertEqual((res.status, res.reason, res.output), (125, 'kernel panic', b'x'))

    def test_triple_fault(self):
        res = self.boot('triple')
        self.assertEqual(res.status, 125)
        self.assertIn('3rd (13) exception', res.reason)

    def test_shutdown_without_marker(self):
        res = self.boot('nomarker')
        self.assertEqual(res.status, 125)
        self.assertIn('port 0x8900 (Bochs shutdown) written without an exit marker', res.reason)

    def test_magic_breakpoint(self):
        res = self.boot('magic')
        self.assertEqual(res.status, 125)
        self.assertIn('magic breakpoint', res.reason)

    def test_timeout(self):
        res = self.boot('hang', timeout=1)
        self.assertEqual(res.status, 124)
        self.assertIn('Bochs killed', res.reason)


def leg(spec):
    return run.Leg(spec)


class LegTest(unittest.TestCase):
    def test_parse(self):
        q = leg('max,vendor=GenuineIntel')
        self.assertEqual((q.emulator, q.cpu, q.options, q.vendor, q.logdir),
                         ('qemu', 'max,vendor=GenuineIntel', [], 'intel', 'max_vendor_GenuineIntel'))
        b = leg('bochs:corei7_icelake_u  nopcid noinvpcid')
        self.assertEqual((b.emulator, b.cpu, b.options, b.vendor, b.name, b.logdir),
                         ('bochs', 'corei7_icelake_u', ['nopcid', 'noinvpcid'], 'intel',
                          'bochs:corei7_icelake_u nopcid noinvpcid',
                          'bochs-corei7_icelake_u-nopcid-noinvpcid'))
        self.assertEqual(leg('qemu:EPYC').emulator, 'qemu')
        for bad in ('vbox:foo', 'bochs:'):
            with self.assertRaises(harness.HarnessError):
                leg(bad)

    def test_filters(self):
        m = run.filter_matches
        icl, nopcid = leg('bochs:corei7_icelake_u'), leg('bochs:corei7_icelake_u nopcid')
        epyc, intel = leg('EPYC'), leg('max,vendor=GenuineIntel')
        self.assertTrue(m(['all'], 'pti', icl))
        self.assertTrue(m(['bochs'], 'pti', icl))
        self.assertFalse(m(['bochs'], 'pti', epyc))
        self.assertFalse(m(['!bochs'], 'pti', icl))
        self.assertTrue(m(['!bochs'], 'pti', epyc))
        self.assertTrue(m(['intel'], 'pti', icl))          # vendor
        self.assertTrue(m(['intel', '!bochs'], 'pti', intel))
        self.assertFalse(m(['intel', '!bochs'], 'pti', icl))
        self.assertTrue(m(['bochs', 'nopti'], 'nopti', icl))
        self.assertFalse(m(['bochs', 'nopti'], 'pti', icl))
        self.assertTrue(m(['qemu', 'bochs'], 'pti', epyc))  # one kind: OR
        self.assertTrue(m(['EPYC', 'corei7_icelake_u'], 'pti', icl))
        self.assertTrue(m(['nopcid'], 'pti', nopcid))       # a leg's boot option
        self.assertFalse(m(['nopcid'], 'pti', icl))
        self.assertFalse(m(['!nopcid'], 'pti', nopcid))
        self.assertTrue(m(['bochs:corei7_icelake_u'], 'pti', icl))   # a whole leg
        # !a&b excludes the cells that match both, and only those.
        self.assertFalse(m(['!bochs&nopti'], 'nopti', icl))
        self.assertTrue(m(['!bochs&nopti'], 'pti', icl))
        self.assertTrue(m(['!bochs&nopti'], 'nopti', epyc))
        self.assertFalse(m(['!EPYC', '!bochs&nopti'], 'pti', epyc))
        self.assertFalse(m(['!max,vendor=GenuineIntel&pti'], 'pti', intel))
        self.assertTrue(m(['!max,vendor=GenuineIntel&pti'], 'nopti', intel))

    def test_append_order(self):
        # The leg's boot options go first, init= stays last.
        words = harness.kernel_cmdline_words(append='nopcid pti=off', init='t')
        self.assertEqual(words, ['quiet', 'nopcid', 'pti=off', 'init=t'])


class ManifestTest(unittest.TestCase):
    def parse(self, text):
        with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as fh:
            fh.write(text)
        self.addCleanup(os.unlink, fh.name)
        return run.parse_manifest(fh.name)

    def test_terms(self):
        t, = self.parse("k | - | ktest=all | ktest timeout=120 bochs_timeout=300 "
                        "xfail=bochs/nmi_storm xfail='bochs nopti/pcid,x' | !EPYC\n")
        self.assertEqual((t.timeout, t.bochs_timeout, t.filter), (120.0, 300.0, ['!EPYC']))
        self.assertEqual(t.known_failures('pti', leg('bochs:corei7_icelake_u')),
                         (False, {'nmi_storm'}))
        self.assertEqual(t.known_failures('nopti', leg('bochs:corei7_icelake_u')),
                         (False, {'nmi_storm', 'pcid', 'x'}))
        self.assertEqual(t.known_failures('nopti', leg('max')), (False, set()))

        class O:
            timeout, bochs_timeout = 30, 120
        self.assertEqual(t.timeout_for(leg('max'), O), 120)
        self.assertEqual(t.timeout_for(leg('bochs:tigerlake'), O), 300)
        u, = self.parse("h | hello | - | status=42 xfail=bochs | all\n")
        self.assertEqual(u.known_failures('pti', leg('bochs:tigerlake')), (True, set()))
        self.assertEqual(u.timeout_for(leg('bochs:tigerlake'), O), 120)
        self.assertEqual(u.timeout_for(leg('EPYC'), O), 30)

    def test_ktest_skip(self):
        t, = self.parse("k | - | ktest=all loglevel=3 | ktest ktest_skip=bochs/slow,gone | all\n")
        self.assertEqual(t.skipped_suites('pti', leg('bochs:tigerlake')), {'slow', 'gone'})
        self.assertEqual(t.skipped_suites('pti', leg('max')), set())
        old = harness.ktest_suites
        harness.ktest_suites = lambda kernel: ['a', 'slow', 'b']
        self.addCleanup(lambda: setattr(harness, 'ktest_suites', old))
        boot, note = run.ktest_all_but(t.boot, {'slow', 'gone'}, '/k.elf')
        self.assertEqual(boot, 'ktest=a,b loglevel=3')
        self.assertEqual(note, ' [not run here: slow; ktest_skip= names no suite: gone]')
        with self.assertRaises(harness.HarnessError):
            run.ktest_all_but(t.boot, {'a', 'slow', 'b'}, '/k.elf')
        harness.ktest_suites = lambda kernel: []
        with self.assertRaises(harness.HarnessError):
            run.ktest_all_but(t.boot, {'slow'}, '/k.elf')

    def test_ktest_suites_from_symbols(self):
        with tempfile.TemporaryDirectory() as tmp:
            nm = os.path.join(tmp, 'nm')
            with open(nm, 'w') as fh:
                fh.write('#!/bin/sh\nprintf "%s\\n" "ffffffff80126870 r ktest_desc_late" '
                         '"ffffffff801267d0 r ktest_desc_early" "ffffffff80100000 T kmain"\n')
            os.chmod(nm, 0o755)
            old = harness.NM
            harness.NM = nm
            try:
                self.assertEqual(harness.ktest_suites('/k.elf'), ['early', 'late'])
            finally:
                harness.NM = old

    def test_bad_terms(self):
        for expect in ('timeout=soon', 'xfail=bochs/', 'bogus=1', 'ktest_skip=bochs/x'):
            with self.assertRaises(SystemExit):
                self.parse(f'h | hello | - | status=0 {expect} | all\n')

    def test_real_manifest_parses(self):
        tests = run.parse_manifest(os.path.join(harness.SRC, 'tests', 'guest-tests.txt'))
        self.assertTrue(any(t.applies('pti', leg(run.LEGS[-1])) for t in tests))


class EvaluateTest(unittest.TestCase):
    KTAP_FAIL = ('KTAP version 1\n1..2\n    not ok 1 y\n    1..1\nnot ok 1 storm\n'
                 '    ok 1 z\n    1..1\nok 2 other\n')

    def result(self, status, out, reason=None):
        res = harness.Result('bochs')
        res.status, res.output, res.reason = status, out.encode(), reason
        return res

    def test_ktap_known_failure(self):
        t = run.Test('k', None, [], '', [('ktest', None)], ['all'], 'x:1')
        res = self.result(1, self.KTAP_FAIL)
        self.assertEqual(run.evaluate(t, res, {'storm'}), ([], ['storm']))
        problems, known = run.evaluate(t, res)
        self.assertEqual(known, [])
        self.assertIn('exit status 1, expected 0', problems)
        self.assertIn('KTAP: not ok 1 storm', problems)

    def test_known_suite_does_not_hide_a_panic(self):
        t = run.Test('k', None, [], '', [('ktest', None)], ['all'], 'x:1')
        problems, known = run.evaluate(t, self.result(125, self.KTAP_FAIL, 'kernel panic'),
                                       {'storm'})
        self.assertIn('kernel panic', problems)

    def test_linux_reference(self):
        t = run.Test('d', 'prog', [], '', [('linux', None)], ['all'], 'x:1')
        self.assertEqual(run.evaluate(t, self.result(0, 'a\nb\n'), (), (0, b'a\nb\n')), ([], []))
        problems, _ = run.evaluate(t, self.result(1, 'a\nc\n'), (), (0, b'a\nb\n'))
        self.assertIn('exit status 1, on Linux 0', problems)
        self.assertTrue(any('line 2' in p for p in problems), problems)
        problems, _ = run.evaluate(t, self.result(0, 'a\nb\nc'), (), (0, b'a\nb\n'))
        self.assertTrue(any('differs from Linux: line 3' in p for p in problems), problems)



class BochsCountTest(unittest.TestCase):
    """tests/bench/benchlib.py: reading what Bochs's debugger printed in a bench count run."""

    @staticmethod
    def stop(insn, **regs):
        lines = [f'(0) Breakpoint 1, 0xffffffff80109000 in ?? ()', 'Next at t=1',
                 f'(0) [0x000000109000] 0010:ffffffff80109000 (unk. ctxt): {insn:<24} ; 0f22dc',
                 'CPU0:']
        for name in ('rax', 'rcx', 'rsp', 'r14'):
            v = regs.get(name, 0)
            lines.append(f'{name:<3}: {v >> 32:08x}_{v & 0xffffffff:08x}')
        lines.append('eflags 0x00000002: id vip vif ac vm rf nt IOPL=0 of df if tf sf zf af pf cf')
        return lines

    def test_windows_count_writes_and_flushes(self):
        sys.path.insert(0, os.path.join(harness.SRC, 'tests', 'bench'))
        import benchlib
        keep = 0x8000000000181801
        text = '\n'.join(
            self.stop('mov cr3, rax', rax=0x180000)                  # before any window
            + self.stop('int 0x80', rax=0x7ff00000)                  # base window opens
            + self.stop('int 0x80', rax=0x7ff00001)                  # and closes
            + self.stop('int 0x80', rax=0x7ff00002)                  # path window
            + self.stop('mov cr3, rsp', rsp=keep & ~0x1800)          # entry: NOFLUSH
            + self.stop('mov cr3, rsp', rsp=keep)                    # exit: NOFLUSH
            + self.stop('mov cr3, r14', r14=0x181801)                # a flushing write
            + self.stop('int 0x80', rax=0x7ff00003)
            + self.stop('mov cr3, rcx', rcx=0x180000))               # after: not counted
        wins = benchlib.read_bochs_debugger(text)
        self.assertEqual(sorted(wins), [0x7ff00000, 0x7ff00002])
        self.assertEqual((wins[0x7ff00000].cr3, wins[0x7ff00000].flush), (0, 0))
        self.assertEqual((wins[0x7ff00002].cr3, wins[0x7ff00002].flush), (3, 1))


if __name__ == '__main__':
    unittest.main()
