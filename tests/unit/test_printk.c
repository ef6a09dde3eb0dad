/*
 * test_printk.c - kernel/lib/printk.c: levels, timestamps, line handling, truncation.
 *
 * The serial driver and the clock are replaced by the stubs below, which record what printk
 * writes and let each test set the time.
 *
 * printk's lock is taken with interrupts disabled, and `cli` faults in a user-space process, so
 * every test starts with printk_panic_mode() (printk then writes without the lock). Everything
 * else printk does is the same in both modes.
 */
#include <string.h>

#include "unit.h"

#include "printk.h"
#include "time.h"

/* Defined in printk.c; not in printk.h. */
extern int console_loglevel;

/* ---- stubs -------------------------------------------------------------------------------- */

static char log_out[8192], con_out[8192];
static size_t log_len, con_len, log_calls;
static u64 fake_now;

void log_write(const char *s, size_t n)
{
	ck_assert_uint_le(log_len + n, sizeof(log_out) - 1);
	memcpy(log_out + log_len, s, n);
	log_len += n;
	log_out[log_len] = '\0';
	log_calls++;
}

void console_write(const char *s, size_t n)
{
	ck_assert_uint_le(con_len + n, sizeof(con_out) - 1);
	memcpy(con_out + con_len, s, n);
	con_len += n;
	con_out[con_len] = '\0';
}

u64 ktime_ns(void)
{
	return fake_now;
}

static void setup(void)
{
	printk_panic_mode();
	console_loglevel = 7;
	fake_now = 0;
	log_len = con_len = log_calls = 0;
	log_out[0] = con_out[0] = '\0';
}

/* ---- tests -------------------------------------------------------------------------------- */

START_TEST(test_timestamp_prefix)
{
	ck_assert_int_eq(printk("hello %d\n", 42), 9);
	ck_assert_str_eq(log_out, "[    0.000000] hello 42\n");

	log_len = 0;
	fake_now = 12345678901ULL;            /* 12.345678901 s: microseconds, rounded down */
	printk("x\n");
	ck_assert_str_eq(log_out, "[   12.345678] x\n");

	log_len = 0;
	fake_now = 123456ULL * 1000000000ULL + 999999999ULL;   /* wider than 5 digits */
	printk("y\n");
	ck_assert_str_eq(log_out, "[123456.999999] y\n");
}
END_TEST

START_TEST(test_levels_are_stripped)
{
	printk(KERN_ERR "error\n");
	printk(KERN_WARN "warning\n");
	printk(KERN_INFO "info\n");
	printk(KERN_DEBUG "debug\n");
	ck_assert_str_eq(log_out, "[    0.000000] error\n[    0.000000] warning\n"
				  "[    0.000000] info\n[    0.000000] debug\n");
	ck_assert_ptr_null(strchr(log_out, '\001'));
}
END_TEST

START_TEST(test_loglevel_filters)
{
	console_loglevel = 4;
	ck_assert_int_eq(printk(KERN_INFO "dropped\n"), 0);
	ck_assert_int_eq(printk(KERN_DEBUG "dropped\n"), 0);
	ck_assert_uint_eq(log_len, 0);
	printk(KERN_WARN "w\n");
	printk(KERN_ERR "e\n");
	printk("no level: default 4\n");
	ck_assert_str_eq(log_out, "[    0.000000] w\n[    0.000000] e\n[    0.000000] no level: default 4\n");

	log_len = 0;
	console_loglevel = 0;
	printk(KERN_ERR "dropped\n");
	printk("\0010emergency\n");
	ck_assert_str_eq(log_out, "[    0.000000] emergency\n");
}
END_TEST

START_TEST(test_not_a_level)
{
	/* "\001" not followed by 0-7 is not a level: printed as it is, at the default level. */
	printk("\0019x\n");
	ck_assert_str_eq(log_out, "[    0.000000] \0019x\n");
}
END_TEST

START_TEST(test_lines_and_continuations)
{
	/* One message, several lines: a timestamp for each. */
	fake_now = 1000;
	printk("a\nb\n");
	ck_assert_str_eq(log_out, "[    0.000001] a\n[    0.000001] b\n");

	/* A line built by several calls gets one timestamp. */
	log_len = 0;
	printk("start ");
	printk("%s", "");
	printk(KERN_INFO "middle ");
	printk("end\n");
	ck_assert_str_eq(log_out, "[    0.000001] start middle end\n");

	/* Text after the last newline waits for the next call's newline. */
	log_len = 0;
	printk("one\ntwo");
	printk("\n");
	ck_assert_str_eq(log_out, "[    0.000001] one\n[    0.000001] two\n");
}
END_TEST

START_TEST(test_truncation)
{
	char big[2000];
	size_t len;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';

	/* 511 bytes of message, the last four replaced by "...\n". */
	ck_assert_int_eq(printk("%s\n", big), 511);
	len = strlen(log_out);
	ck_assert_uint_eq(len, 15 + 511);
	ck_assert_str_eq(log_out + len - 5, "a...\n");

	/* Exactly 511 bytes fit without a cut. */
	log_len = 0;
	big[510] = '\0';
	ck_assert_int_eq(printk("%s\n", big), 511);
	ck_assert_str_eq(log_out + strlen(log_out) - 3, "aa\n");
}
END_TEST

START_TEST(test_cprintf)
{
	ck_assert_int_eq(cprintf("ok %d - %s\n", 1, "test"), 12);
	ck_assert_str_eq(con_out, "ok 1 - test\n");
	ck_assert_uint_eq(log_len, 0);          /* the console, not the log */

	/* No level handling and no timestamp: the bytes go out as formatted. */
	con_len = 0;
	cprintf(KERN_ERR "raw");
	ck_assert_str_eq(con_out, "\0013raw");

	/* The console ignores the log level. */
	con_len = 0;
	console_loglevel = 0;
	cprintf("still here\n");
	ck_assert_str_eq(con_out, "still here\n");
}
END_TEST

START_TEST(test_empty_message)
{
	ck_assert_int_eq(printk("%s", ""), 0);
	ck_assert_uint_eq(log_calls, 0);        /* not even a timestamp */
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("printk");
	TCase *tc = tcase_create("printk");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_timestamp_prefix);
	tcase_add_test(tc, test_levels_are_stripped);
	tcase_add_test(tc, test_loglevel_filters);
	tcase_add_test(tc, test_not_a_level);
	tcase_add_test(tc, test_lines_and_continuations);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_cprintf);
	tcase_add_test(tc, test_empty_message);
	suite_add_tcase(s, tc);
	return s;
}
