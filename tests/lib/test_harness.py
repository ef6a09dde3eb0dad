"""Self-tests of the harness core that need no QEMU: markers, KTAP, command-line quoting.

Run by tests/run before the matrix (and counted in its totals), or alone:
    python3 -m unittest discover -s tests/lib -p 'test_*.py'
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


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


if __name__ == '__main__':
    unittest.main()
