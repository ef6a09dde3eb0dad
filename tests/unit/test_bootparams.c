/*
 * test_bootparams.c - kernel/lib/bootparams.c: every option, every message, init= taking the
 * rest of the line, quoting, garbage, and a randomized round trip through
 * bootparams_describe().
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "bootparams.h"
#include "cmdline.h"
#include "printk.h"

/* ---- helpers ------------------------------------------------------------------------------ */

#define MAX_REPORTS 64

static struct boot_params bp;
static char reports[MAX_REPORTS][400];
static int nreports;

/* Keep the first MAX_REPORTS messages; count them all. */
static void collect(void *ctx, const char *msg)
{
	ck_assert_ptr_eq(ctx, reports);
	ck_assert_uint_lt(strlen(msg), sizeof(reports[0]));
	if (nreports < MAX_REPORTS)
		strcpy(reports[nreports], msg);
	nreports++;
}

/* Parse line into bp; check that the count returned is the number of reports. */
static int parse(const char *line)
{
	int n;

	nreports = 0;
	n = bootparams_parse(line, &bp, collect, reports);
	ck_assert_int_eq(n, nreports);
	return n;
}

#define EXPECT_CLEAN(line) do {                                                        \
		int n_ = parse(line);                                                  \
		ck_assert_msg(n_ == 0, "\"%s\": %d problems, first: %s", line, n_,     \
			      n_ ? reports[0] : "");                                   \
	} while (0)

#define EXPECT_ONE(line, msg) do {                                                     \
		int n_ = parse(line);                                                  \
		ck_assert_msg(n_ == 1, "\"%s\": %d problems, expected 1", line, n_);   \
		ck_assert_str_eq(reports[0], msg);                                     \
	} while (0)

static bool is_default(const struct boot_params *p)
{
	struct boot_params d;

	bootparams_defaults(&d);
	return memcmp(p, &d, sizeof(d)) == 0;
}

static const char *describe(const struct boot_params *p)
{
	static char buf[2048];
	int n = bootparams_describe(p, buf, sizeof(buf));

	ck_assert_int_eq(n, (int)strlen(buf));
	return buf;
}

/* ---- defaults and flags ------------------------------------------------------------------- */

START_TEST(test_defaults)
{
	EXPECT_CLEAN("");
	ck_assert(is_default(&bp));
	ck_assert_int_eq(bp.pti, PTI_AUTO);
	ck_assert_uint_eq(bp.loglevel, 7);
	ck_assert_str_eq(bp.ktest, "");
	ck_assert_str_eq(bp.init, "");
	ck_assert_str_eq(describe(&bp), "pti=auto loglevel=7");

	ck_assert_int_eq(parse(NULL), 0);
	ck_assert(is_default(&bp));
	EXPECT_CLEAN(" \t  ");
	ck_assert(is_default(&bp));

	/* Parsing starts from the defaults, whatever bp held. */
	memset(&bp, 0xff, sizeof(bp));
	EXPECT_CLEAN("");
	ck_assert(is_default(&bp));
}
END_TEST

static const struct {
	const char *name;
	size_t offset;
} flags[] = {
#define F(n) { #n, offsetof(struct boot_params, n) }
	F(nosmep), F(nosmap), F(noumip), F(nofsgsbase), F(noxsave), F(nopcid), F(noinvpcid),
	F(nox2apic), F(quiet), F(help),
#undef F
};

START_TEST(test_each_flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		char want[64];

		EXPECT_CLEAN(flags[i].name);
		/* That flag, and nothing else. */
		for (size_t j = 0; j < ARRAY_SIZE(flags); j++)
			ck_assert_msg(*(bool *)((char *)&bp + flags[j].offset) == (i == j),
				      "%s sets %s", flags[i].name, flags[j].name);
		snprintf(want, sizeof(want), "pti=auto %s loglevel=7", flags[i].name);
		ck_assert_str_eq(describe(&bp), want);
	}

	EXPECT_CLEAN("nosmep nosmap noumip nofsgsbase noxsave nopcid noinvpcid nox2apic quiet help");
	ck_assert(bp.nosmep && bp.nosmap && bp.noumip && bp.nofsgsbase && bp.noxsave &&
		  bp.nopcid && bp.noinvpcid && bp.nox2apic && bp.quiet && bp.help);
	ck_assert_int_eq(bp.pti, PTI_AUTO);
}
END_TEST

START_TEST(test_flag_with_value)
{
	EXPECT_ONE("nosmep=1", "nosmep does not take a value");
	ck_assert(!bp.nosmep);
	EXPECT_ONE("quiet=", "quiet does not take a value");
	ck_assert(!bp.quiet);
	EXPECT_ONE("help=yes", "help does not take a value");
	EXPECT_ONE("nopti=1", "nopti does not take a value");
	ck_assert_int_eq(bp.pti, PTI_AUTO);
	EXPECT_ONE("\"nox2apic\"=\"\"", "nox2apic does not take a value");
}
END_TEST

/* ---- pti ---------------------------------------------------------------------------------- */

START_TEST(test_pti)
{
	EXPECT_CLEAN("pti=on");
	ck_assert_int_eq(bp.pti, PTI_ON);
	ck_assert_str_eq(describe(&bp), "pti=on loglevel=7");
	EXPECT_CLEAN("pti=off");
	ck_assert_int_eq(bp.pti, PTI_OFF);
	EXPECT_CLEAN("pti=auto");
	ck_assert_int_eq(bp.pti, PTI_AUTO);
	EXPECT_CLEAN("nopti");
	ck_assert_int_eq(bp.pti, PTI_OFF);
	ck_assert_str_eq(describe(&bp), "pti=off loglevel=7");
	EXPECT_CLEAN("pti=\"on\"");
	ck_assert_int_eq(bp.pti, PTI_ON);

	ck_assert_str_eq(pti_mode_name(PTI_AUTO), "auto");
	ck_assert_str_eq(pti_mode_name(PTI_ON), "on");
	ck_assert_str_eq(pti_mode_name(PTI_OFF), "off");
	ck_assert_str_eq(pti_mode_name((enum pti_mode)7), "?");
}
END_TEST

START_TEST(test_pti_errors)
{
	EXPECT_ONE("pti=maybe", "pti=maybe: expected on, off or auto; keeping auto");
	ck_assert_int_eq(bp.pti, PTI_AUTO);
	EXPECT_ONE("pti=ON", "pti=ON: expected on, off or auto; keeping auto");
	EXPECT_ONE("pti=on pti=maybe", "pti=maybe: expected on, off or auto; keeping on");
	ck_assert_int_eq(bp.pti, PTI_ON);
	EXPECT_ONE("pti", "pti= needs on, off or auto");
	EXPECT_ONE("pti=", "pti= needs on, off or auto");
	EXPECT_ONE("pti=\"\"", "pti= needs on, off or auto");
	ck_assert_int_eq(bp.pti, PTI_AUTO);
}
END_TEST

/* ---- loglevel ----------------------------------------------------------------------------- */

START_TEST(test_loglevel)
{
	for (unsigned i = 0; i <= 7; i++) {
		char line[32], want[64];

		snprintf(line, sizeof(line), "loglevel=%u", i);
		EXPECT_CLEAN(line);
		ck_assert_uint_eq(bp.loglevel, i);
		snprintf(want, sizeof(want), "pti=auto loglevel=%u", i);
		ck_assert_str_eq(describe(&bp), want);
	}
	EXPECT_CLEAN("loglevel=007");
	ck_assert_uint_eq(bp.loglevel, 7);
	EXPECT_CLEAN("loglevel=\"3\"");
	ck_assert_uint_eq(bp.loglevel, 3);
}
END_TEST

START_TEST(test_loglevel_errors)
{
	EXPECT_ONE("loglevel=x", "loglevel=x: not a number");
	ck_assert_uint_eq(bp.loglevel, 7);
	EXPECT_ONE("loglevel=-1", "loglevel=-1: not a number");
	EXPECT_ONE("loglevel=3x", "loglevel=3x: not a number");
	EXPECT_ONE("loglevel=0x3", "loglevel=0x3: not a number");
	ck_assert_int_eq(parse("loglevel= 3"), 2);          /* the 3 is a word of its own */
	ck_assert_str_eq(reports[0], "loglevel= needs a number from 0 to 7");
	ck_assert_str_eq(reports[1], "unknown boot option '3' ignored");
	EXPECT_ONE("loglevel=99999999999999999999999", "loglevel=99999999999999999999999: not a number");
	EXPECT_ONE("loglevel=8", "loglevel=8: out of range 0..7; keeping 7");
	EXPECT_ONE("loglevel=2 loglevel=4294967298", "loglevel=4294967298: out of range 0..7; keeping 2");
	ck_assert_uint_eq(bp.loglevel, 2);
	EXPECT_ONE("loglevel", "loglevel= needs a number from 0 to 7");
	EXPECT_ONE("loglevel=", "loglevel= needs a number from 0 to 7");
}
END_TEST

/* ---- unknown options, duplicates ---------------------------------------------------------- */

START_TEST(test_unknown)
{
	EXPECT_ONE("nosmepp", "unknown boot option 'nosmepp' ignored");
	ck_assert(is_default(&bp));
	EXPECT_ONE("NOSMEP", "unknown boot option 'NOSMEP' ignored");
	EXPECT_ONE("foo=\"a b\"", "unknown boot option 'foo=\"a b\"' ignored");
	EXPECT_ONE("=on", "unknown boot option '=on' ignored");
	EXPECT_ONE("\"\"", "unknown boot option '\"\"' ignored");  /* shown as written */

	ck_assert_int_eq(parse("quiet bogus1 nosmep bogus2=x"), 2);
	ck_assert_str_eq(reports[0], "unknown boot option 'bogus1' ignored");
	ck_assert_str_eq(reports[1], "unknown boot option 'bogus2=x' ignored");
	ck_assert(bp.quiet && bp.nosmep);
}
END_TEST

START_TEST(test_given_twice)
{
	EXPECT_ONE("ktest=a ktest=b", "option 'ktest' given twice; the last one wins");
	ck_assert_str_eq(bp.ktest, "b");
	EXPECT_ONE("loglevel=1 loglevel=2", "option 'loglevel' given twice; the last one wins");
	ck_assert_uint_eq(bp.loglevel, 2);
	EXPECT_ONE("quiet quiet", "option 'quiet' given twice; the last one wins");
	EXPECT_ONE("pti=off pti=on", "option 'pti' given twice; the last one wins");
	ck_assert_int_eq(bp.pti, PTI_ON);
	EXPECT_ONE("nopti pti=on",
		   "option 'pti' given twice (nopti means pti=off); the last one wins");
	ck_assert_int_eq(bp.pti, PTI_ON);
	EXPECT_ONE("pti=on nopti",
		   "option 'pti' given twice (nopti means pti=off); the last one wins");
	ck_assert_int_eq(bp.pti, PTI_OFF);

	/* An invalid second value is only reported as invalid. */
	EXPECT_ONE("loglevel=3 loglevel=x", "loglevel=x: not a number");
	ck_assert_uint_eq(bp.loglevel, 3);

	ck_assert_int_eq(parse("quiet quiet quiet"), 2);
}
END_TEST

/* ---- ktest -------------------------------------------------------------------------------- */

START_TEST(test_ktest)
{
	EXPECT_CLEAN("ktest=all");
	ck_assert_str_eq(bp.ktest, "all");
	ck_assert_str_eq(describe(&bp), "pti=auto loglevel=7 ktest=all");
	EXPECT_CLEAN("ktest=pmm,paging,syscall.entry,pti-audit,x_1");
	ck_assert_str_eq(bp.ktest, "pmm,paging,syscall.entry,pti-audit,x_1");
	EXPECT_CLEAN("ktest=\"a,b\"");
	ck_assert_str_eq(bp.ktest, "a,b");

	/* The longest that fits: 255 bytes. */
	char line[600] = "ktest=";
	memset(line + 6, 'k', 255);
	line[6 + 255] = '\0';
	EXPECT_CLEAN(line);
	ck_assert_uint_eq(strlen(bp.ktest), 255);
}
END_TEST

START_TEST(test_ktest_errors)
{
	const char *names = "test names are made of letters, digits, '_', '-' and '.'";
	char want[200];

	EXPECT_ONE("ktest=", "ktest= needs a comma-separated list of test names, or all");
	EXPECT_ONE("ktest", "ktest= needs a comma-separated list of test names, or all");
	EXPECT_ONE("ktest=a,,b", "ktest=a,,b: empty test name in the list; ignored");
	EXPECT_ONE("ktest=a,", "ktest=a,: empty test name in the list; ignored");
	EXPECT_ONE("ktest=,a", "ktest=,a: empty test name in the list; ignored");
	snprintf(want, sizeof(want), "ktest=a;b: %s; ignored", names);
	EXPECT_ONE("ktest=a;b", want);
	snprintf(want, sizeof(want), "ktest=\"a b\": %s; ignored", names);
	EXPECT_ONE("ktest=\"a b\"", want);
	ck_assert_str_eq(bp.ktest, "");

	/* 256 bytes: too long, reported with the token cut short, and ignored. */
	char line[600] = "ktest=";
	memset(line + 6, 'k', 256);
	line[6 + 256] = '\0';
	ck_assert_int_eq(parse(line), 1);
	ck_assert_msg(strstr(reports[0], "...: longer than 255 bytes; ignored") != NULL, "%s",
		      reports[0]);
	ck_assert_int_eq(strncmp(reports[0], "ktest=kkkk", 10), 0);
	ck_assert_uint_lt(strlen(reports[0]), 200);
	ck_assert_str_eq(bp.ktest, "");
}
END_TEST

/* ---- init= -------------------------------------------------------------------------------- */

START_TEST(test_init_takes_the_rest)
{
	char *argv[BOOT_INIT_MAX_ARGS];
	char copy[BOOT_INIT_MAX];

	EXPECT_CLEAN("init=/bin/sh");
	ck_assert_str_eq(bp.init, "/bin/sh");

	/* Options after init= are its arguments; trailing blanks are dropped; quotes are kept. */
	EXPECT_CLEAN("quiet init=/bin/sh -c \"echo hi\"  nosmep pti=off \t ");
	ck_assert(bp.quiet);
	ck_assert(!bp.nosmep);
	ck_assert_int_eq(bp.pti, PTI_AUTO);
	ck_assert_str_eq(bp.init, "/bin/sh -c \"echo hi\"  nosmep pti=off");
	ck_assert_str_eq(describe(&bp),
			 "pti=auto quiet loglevel=7 init=/bin/sh -c \"echo hi\"  nosmep pti=off");

	strcpy(copy, bp.init);
	ck_assert_int_eq(cmdline_split_args(copy, argv, BOOT_INIT_MAX_ARGS), 5);
	ck_assert_str_eq(argv[0], "/bin/sh");
	ck_assert_str_eq(argv[1], "-c");
	ck_assert_str_eq(argv[2], "echo hi");
	ck_assert_str_eq(argv[3], "nosmep");
	ck_assert_str_eq(argv[4], "pti=off");

	/* A quoted program name. */
	EXPECT_CLEAN("init=\"/my prog\" a");
	ck_assert_str_eq(bp.init, "\"/my prog\" a");
	strcpy(copy, bp.init);
	ck_assert_int_eq(cmdline_split_args(copy, argv, BOOT_INIT_MAX_ARGS), 2);
	ck_assert_str_eq(argv[0], "/my prog");

	/* Even "init=..." after init= is an argument. */
	EXPECT_CLEAN("init=a init=b");
	ck_assert_str_eq(bp.init, "a init=b");
}
END_TEST

START_TEST(test_init_arg_limit)
{
	char line[512] = "init=p";

	/* The program and 31 arguments: 32, the most allowed. */
	for (int i = 1; i < BOOT_INIT_MAX_ARGS; i++)
		strcat(line, " a");
	EXPECT_CLEAN(line);
	ck_assert_uint_eq(strlen(bp.init), 1 + 2 * (BOOT_INIT_MAX_ARGS - 1));

	strcat(line, " a");
	EXPECT_ONE(line, "init= ignored: 33 arguments, at most 32 are allowed");
	ck_assert_str_eq(bp.init, "");
}
END_TEST

START_TEST(test_init_errors)
{
	EXPECT_ONE("init=", "init= needs a program name");
	EXPECT_ONE("init=\"\"", "init= needs a program name");
	/* "init= prog": the program name must follow the '='; the rest still belongs to init=. */
	EXPECT_ONE("init= prog quiet", "init= needs a program name");
	ck_assert_str_eq(bp.init, "");
	ck_assert(!bp.quiet);
	/* A bare "init" takes nothing with it. */
	EXPECT_ONE("init quiet", "init= needs a program name");
	ck_assert(bp.quiet);

	/* Bad arguments: init= is dropped as a whole. */
	EXPECT_ONE("init=sh a\x01 b", "init= ignored: argument 'a\\x01': control character");
	ck_assert_str_eq(bp.init, "");
	EXPECT_ONE("init=sh \"a b", "init= ignored: argument '\"a b': unterminated quote");
	ck_assert_str_eq(bp.init, "");
	EXPECT_ONE("init=sh a\x01 b\x02", "init= ignored: argument 'a\\x01': control character");

	/* A malformed init= token itself is a token error. */
	EXPECT_ONE("init=\"sh", "'init=\"sh': unterminated quote; ignored");
}
END_TEST

/* ---- garbage ------------------------------------------------------------------------------ */

START_TEST(test_garbage_bytes)
{
	EXPECT_ONE("\x01", "'\\x01': control character; ignored");
	EXPECT_ONE("quiet\x1b[0m nosmep", "'quiet\\x1b[0m': control character; ignored");
	ck_assert(bp.nosmep && !bp.quiet);
	EXPECT_ONE("\xff\xfe", "unknown boot option '\\xff\\xfe' ignored");
	EXPECT_ONE("pti=\"on", "'pti=\"on': unterminated quote; ignored");
	EXPECT_ONE("quiet\r\n", "'quiet\\x0d\\x0a': control character; ignored");
	EXPECT_ONE("a\x7f", "'a\\x7f': control character; ignored");
	ck_assert(is_default(&bp));
}
END_TEST

START_TEST(test_line_too_long)
{
	char line[1200] = "quiet ";

	memset(line + 6, 'x', 1100);
	line[1106] = '\0';
	ck_assert_int_eq(parse(line), 1);
	ck_assert(bp.quiet);
	ck_assert_msg(strstr(reports[0], "...': past the 1023-byte limit of the command line; ignored"),
		      "%s", reports[0]);
	ck_assert_int_eq(strncmp(reports[0], "'xxxx", 5), 0);
}
END_TEST

START_TEST(test_no_report_callback)
{
	ck_assert_int_eq(bootparams_parse("bogus pti=x quiet loglevel=9", &bp, NULL, NULL), 3);
	ck_assert(bp.quiet);
}
END_TEST

START_TEST(test_many_problems_in_order)
{
	ck_assert_int_eq(parse("nosmepp nosmep=1 pti=maybe loglevel=x ktest=a ktest=b init="), 6);
	ck_assert_str_eq(reports[0], "unknown boot option 'nosmepp' ignored");
	ck_assert_str_eq(reports[1], "nosmep does not take a value");
	ck_assert_str_eq(reports[2], "pti=maybe: expected on, off or auto; keeping auto");
	ck_assert_str_eq(reports[3], "loglevel=x: not a number");
	ck_assert_str_eq(reports[4], "option 'ktest' given twice; the last one wins");
	ck_assert_str_eq(reports[5], "init= needs a program name");
}
END_TEST

/* ---- describe and help -------------------------------------------------------------------- */

START_TEST(test_describe_everything)
{
	char small[16];
	const char *line = "pti=off nosmep nosmap noumip nofsgsbase noxsave nopcid noinvpcid "
			   "nox2apic quiet help loglevel=3 ktest=a,b init=/init -v";

	EXPECT_CLEAN(line);
	ck_assert_str_eq(describe(&bp), line);

	/* Truncated: NUL-terminated, full length returned. */
	ck_assert_int_eq(bootparams_describe(&bp, small, sizeof(small)), (int)strlen(line));
	ck_assert_str_eq(small, "pti=off nosmep ");
	ck_assert_int_eq(bootparams_describe(&bp, NULL, 0), (int)strlen(line));
	ck_assert_int_eq(bootparams_describe(&bp, small, 1), (int)strlen(line));
	ck_assert_str_eq(small, "");
}
END_TEST

static char help_text[4096];

static void help_line(void *ctx, const char *line)
{
	ck_assert_ptr_null(ctx);
	ck_assert_uint_lt(strlen(help_text) + strlen(line) + 2, sizeof(help_text));
	strcat(help_text, line);
	strcat(help_text, "\n");
}

START_TEST(test_help)
{
	static const char *const expected[] = {
		"\n  pti=on|off|auto ", "\n  nopti ", "\n  nosmep ", "\n  nosmap ", "\n  noumip ",
		"\n  nofsgsbase ", "\n  noxsave ", "\n  nopcid ", "\n  noinvpcid ",
		"\n  nox2apic ", "\n  quiet ", "\n  help ", "\n  loglevel=N ", "\n  ktest=LIST ",
		"\n  init=PROG ARGS... ",
	};

	help_text[0] = '\0';
	bootparams_help(help_line, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(expected); i++)
		ck_assert_msg(strstr(help_text, expected[i]), "help lacks %s", expected[i] + 3);
	ck_assert(strstr(help_text, "same as pti=off"));
}
END_TEST

/* ---- randomized --------------------------------------------------------------------------- */

/*
 * Random lines made of option fragments and garbage: parsing must never crash or overrun, the
 * result must be valid, and bootparams_describe() must give a line that parses cleanly back
 * to the same state.
 */
START_TEST(test_random_round_trip)
{
	static const char *const pieces[] = {
		"pti=", "on", "off", "auto", "nopti", "nosmep", "nox2apic", "quiet", "help",
		"loglevel=", "3", "9", "x", "ktest=", "all", "a,b", ",", "init=", "/bin/sh", "-c",
		"\"", "=", " ", " ", " ", "\t", "\x01", "\xff", "noinvpcid", "noxsave", "\"a b\"",
	};
	uint64_t seed = 0xb007b007;
	struct boot_params again;
	char line[CMDLINE_MAX_LEN + 200];

	for (int round = 0; round < 4000; round++) {
		size_t len = 0, want = unit_rand_below(&seed, round % 10 ? 120 : 1150);
		char copy[BOOT_INIT_MAX], *argv[BOOT_INIT_MAX_ARGS];
		int argc;

		while (len < want) {
			const char *p = pieces[unit_rand_below(&seed, ARRAY_SIZE(pieces))];
			size_t n = strlen(p);

			if (len + n >= sizeof(line))
				break;
			memcpy(line + len, p, n);
			len += n;
		}
		line[len] = '\0';

		parse(line);
		ck_assert_int_le(bp.pti, PTI_OFF);
		ck_assert_uint_le(bp.loglevel, 7);
		ck_assert_uint_lt(strnlen(bp.ktest, sizeof(bp.ktest)), sizeof(bp.ktest));
		ck_assert_uint_lt(strnlen(bp.init, sizeof(bp.init)), sizeof(bp.init));

		if (bp.init[0]) {
			strcpy(copy, bp.init);
			argc = cmdline_split_args(copy, argv, BOOT_INIT_MAX_ARGS);
			ck_assert_msg(argc >= 1, "init '%s' splits to %d", bp.init, argc);
			ck_assert_msg(argv[0][0] != '\0', "init '%s': empty program", bp.init);
		}

		nreports = 0;
		ck_assert_msg(bootparams_parse(describe(&bp), &again, collect, reports) == 0,
			      "line '%s' described as '%s': %s", line, describe(&bp), reports[0]);
		ck_assert_msg(memcmp(&bp, &again, sizeof(bp)) == 0,
			      "line '%s' described as '%s' parses differently", line, describe(&bp));
	}
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("bootparams");
	TCase *opts = tcase_create("options");
	TCase *init = tcase_create("init");
	TCase *bad = tcase_create("problems");
	TCase *out = tcase_create("output");
	TCase *fuzz = tcase_create("random");

	tcase_add_test(opts, test_defaults);
	tcase_add_test(opts, test_each_flag);
	tcase_add_test(opts, test_flag_with_value);
	tcase_add_test(opts, test_pti);
	tcase_add_test(opts, test_pti_errors);
	tcase_add_test(opts, test_loglevel);
	tcase_add_test(opts, test_loglevel_errors);
	tcase_add_test(opts, test_ktest);
	tcase_add_test(opts, test_ktest_errors);
	suite_add_tcase(s, opts);

	tcase_add_test(init, test_init_takes_the_rest);
	tcase_add_test(init, test_init_arg_limit);
	tcase_add_test(init, test_init_errors);
	suite_add_tcase(s, init);

	tcase_add_test(bad, test_unknown);
	tcase_add_test(bad, test_given_twice);
	tcase_add_test(bad, test_garbage_bytes);
	tcase_add_test(bad, test_line_too_long);
	tcase_add_test(bad, test_no_report_callback);
	tcase_add_test(bad, test_many_problems_in_order);
	suite_add_tcase(s, bad);

	tcase_add_test(out, test_describe_everything);
	tcase_add_test(out, test_help);
	suite_add_tcase(s, out);

	tcase_set_timeout(fuzz, 120);
	tcase_add_test(fuzz, test_random_round_trip);
	suite_add_tcase(s, fuzz);
	return s;
}
