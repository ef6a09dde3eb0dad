/*
 * test_cmdline.c - kernel/lib/cmdline.c: the tokenizer and cmdline_split_args().
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "cmdline.h"
#include "errno.h"

/* A token, copied out of the iterator's buffer so that a whole line can be checked at once. */
struct tok {
	char key[CMDLINE_TOKEN_BUF_SIZE];
	char value[CMDLINE_TOKEN_BUF_SIZE];
	bool has_value;
	char raw[CMDLINE_TOKEN_BUF_SIZE];
	size_t raw_off, raw_value_off;   /* offsets in the line; raw_value_off is 0 if none */
	const char *error;
};

#define MAX_TOKS 64

/* Tokenize line[0..len) with a buffer of bufsize bytes; return the number of tokens. */
static int tokenize_n(const char *line, size_t len, size_t bufsize, struct tok *out)
{
	char *buf = malloc(bufsize ? bufsize : 1);   /* exact size: ASan sees any overflow */
	struct cmdline_iter it;
	struct cmdline_token t;
	int n = 0;

	cmdline_iter_init(&it, line, len, buf, bufsize);
	while (cmdline_next(&it, &t)) {
		struct tok *o = &out[n++];

		ck_assert_int_le(n, MAX_TOKS);
		memset(o, 0, sizeof(*o));
		o->error = t.error;
		ck_assert(t.raw >= line);
		ck_assert_uint_le((size_t)(t.raw - line) + t.raw_len, len);
		o->raw_off = (size_t)(t.raw - line);
		memcpy(o->raw, t.raw, MIN(t.raw_len, sizeof(o->raw) - 1));
		if (t.error) {
			ck_assert_ptr_null(t.key);
			ck_assert_ptr_null(t.value);
			continue;
		}
		ck_assert_ptr_nonnull(t.key);
		strcpy(o->key, t.key);
		if (t.value) {
			o->has_value = true;
			strcpy(o->value, t.value);
			ck_assert_ptr_nonnull(t.raw_value);
			o->raw_value_off = (size_t)(t.raw_value - line);
		} else {
			ck_assert_ptr_null(t.raw_value);
		}
	}
	/* Once at the end, it stays there. */
	ck_assert(!cmdline_next(&it, &t));
	free(buf);
	return n;
}

static int tokenize(const char *line, struct tok *out)
{
	return tokenize_n(line, strlen(line), CMDLINE_TOKEN_BUF_SIZE, out);
}

static struct tok toks[MAX_TOKS];

START_TEST(test_words)
{
	ck_assert_int_eq(tokenize("", toks), 0);
	ck_assert_int_eq(tokenize("   \t  ", toks), 0);
	ck_assert_int_eq(tokenize("  quiet\t\tnosmep  nopti ", toks), 3);
	ck_assert_str_eq(toks[0].key, "quiet");
	ck_assert_str_eq(toks[1].key, "nosmep");
	ck_assert_str_eq(toks[2].key, "nopti");
	ck_assert(!toks[0].has_value && !toks[1].has_value && !toks[2].has_value);
	ck_assert_str_eq(toks[1].raw, "nosmep");
	ck_assert_uint_eq(toks[1].raw_off, 9);
	ck_assert_ptr_null(toks[2].error);
}
END_TEST

START_TEST(test_key_value)
{
	const char *line = "pti=on loglevel= =x a=b=c";

	ck_assert_int_eq(tokenize(line, toks), 4);
	ck_assert_str_eq(toks[0].key, "pti");
	ck_assert_str_eq(toks[0].value, "on");
	ck_assert_uint_eq(toks[0].raw_value_off, 4);
	ck_assert_str_eq(toks[1].key, "loglevel");           /* empty value, but a value */
	ck_assert(toks[1].has_value);
	ck_assert_str_eq(toks[1].value, "");
	ck_assert_str_eq(toks[2].key, "");                   /* empty key */
	ck_assert_str_eq(toks[2].value, "x");
	ck_assert_str_eq(toks[3].key, "a");                  /* split at the first '=' only */
	ck_assert_str_eq(toks[3].value, "b=c");
	ck_assert_str_eq(toks[3].raw, "a=b=c");
}
END_TEST

START_TEST(test_quotes)
{
	const char *line = "init=\"my prog\" \"a b\" c\"d e\"f \"\" \"x=y\" k=\"v=w\" q=\"\" \"t\tab\"";

	ck_assert_int_eq(tokenize(line, toks), 8);
	ck_assert_str_eq(toks[0].key, "init");
	ck_assert_str_eq(toks[0].value, "my prog");
	ck_assert_str_eq(toks[0].raw, "init=\"my prog\"");
	ck_assert_uint_eq(toks[0].raw_value_off, 5);         /* at the quote, as written */
	ck_assert_str_eq(toks[1].key, "a b");
	ck_assert_str_eq(toks[2].key, "cd ef");              /* quotes anywhere in a token */
	ck_assert_str_eq(toks[3].key, "");                   /* "" is an empty token */
	ck_assert(!toks[3].has_value);
	ck_assert_str_eq(toks[4].key, "x=y");                /* a quoted '=' does not split */
	ck_assert(!toks[4].has_value);
	ck_assert_str_eq(toks[5].key, "k");
	ck_assert_str_eq(toks[5].value, "v=w");
	ck_assert_str_eq(toks[6].value, "");
	ck_assert_str_eq(toks[7].key, "t\tab");              /* a quoted tab is kept */
	for (int i = 0; i < 8; i++)
		ck_assert_ptr_null(toks[i].error);
}
END_TEST

START_TEST(test_high_bytes_are_ordinary)
{
	ck_assert_int_eq(tokenize("caf\xc3\xa9=\xff\x80", toks), 1);
	ck_assert_ptr_null(toks[0].error);
	ck_assert_str_eq(toks[0].key, "caf\xc3\xa9");
	ck_assert_str_eq(toks[0].value, "\xff\x80");
}
END_TEST

START_TEST(test_control_characters)
{
	/* The bad token is reported; the tokens around it are fine. */
	ck_assert_int_eq(tokenize("a b\x01x c", toks), 3);
	ck_assert_ptr_null(toks[0].error);
	ck_assert_str_eq(toks[1].error, "control character");
	ck_assert_str_eq(toks[1].raw, "b\x01x");
	ck_assert_ptr_null(toks[2].error);
	ck_assert_str_eq(toks[2].key, "c");

	ck_assert_int_eq(tokenize("quiet\n", toks), 1);
	ck_assert_str_eq(toks[0].error, "control character");
	ck_assert_int_eq(tokenize("x=\x7f", toks), 1);
	ck_assert_str_eq(toks[0].error, "control character");
	ck_assert_int_eq(tokenize("\"a\x1b\"", toks), 1);   /* quotes do not make it fine */
	ck_assert_str_eq(toks[0].error, "control character");
}
END_TEST

START_TEST(test_nul_inside_length)
{
	static const char line[] = "ab\0cd ef";

	ck_assert_int_eq(tokenize_n(line, sizeof(line) - 1, CMDLINE_TOKEN_BUF_SIZE, toks), 2);
	ck_assert_str_eq(toks[0].error, "NUL byte");
	ck_assert_uint_eq(strlen(toks[0].raw), 2);           /* raw copy stops at the NUL */
	ck_assert_str_eq(toks[1].key, "ef");
}
END_TEST

START_TEST(test_unterminated_quote)
{
	/* The quote runs to the end of the line, which is then one bad token. */
	ck_assert_int_eq(tokenize("a init=\"x y z", toks), 2);
	ck_assert_ptr_null(toks[0].error);
	ck_assert_str_eq(toks[1].error, "unterminated quote");
	ck_assert_str_eq(toks[1].raw, "init=\"x y z");

	ck_assert_int_eq(tokenize("\"", toks), 1);
	ck_assert_str_eq(toks[0].error, "unterminated quote");
}
END_TEST

START_TEST(test_small_buffer)
{
	/* 8 bytes: a 7-byte word fits, with its NUL; "key=val" needs "key\0val\0" = 8. */
	ck_assert_int_eq(tokenize_n("abcdefg key=val abcdefgh next", 29, 8, toks), 4);
	ck_assert_ptr_null(toks[0].error);
	ck_assert_str_eq(toks[0].key, "abcdefg");
	ck_assert_ptr_null(toks[1].error);
	ck_assert_str_eq(toks[1].value, "val");
	ck_assert_str_eq(toks[2].error, "token too long");
	ck_assert_str_eq(toks[2].raw, "abcdefgh");
	ck_assert_ptr_null(toks[3].error);                  /* iteration goes on */
	ck_assert_str_eq(toks[3].key, "next");

	/* Quotes do not count against the buffer. */
	ck_assert_int_eq(tokenize_n("\"abc\"\"def\"", 10, 8, toks), 1);
	ck_assert_str_eq(toks[0].key, "abcdef");

	/* No buffer at all. */
	ck_assert_int_eq(tokenize_n("a b", 3, 0, toks), 2);
	ck_assert_str_eq(toks[0].error, "token too long");
	ck_assert_str_eq(toks[1].error, "token too long");
}
END_TEST

START_TEST(test_line_length_limit)
{
	char *line = malloc(4096);
	size_t len = 0;

	/* Exactly CMDLINE_MAX_LEN bytes: all fine. 255 tokens "abc " and "xyz" = 1023. */
	for (int i = 0; i < 255; i++, len += 4)
		memcpy(line + len, "abc ", 4);
	memcpy(line + len, "xyz", 4);
	len += 3;
	ck_assert_uint_eq(len, CMDLINE_MAX_LEN);

	/* More tokens than toks[] holds: count them with the iterator directly. */
	struct cmdline_iter it;
	struct cmdline_token t;
	char buf[CMDLINE_TOKEN_BUF_SIZE];
	int count = 0, errors = 0;
	const char *last_error = NULL, *last_raw = NULL;

	cmdline_iter_init(&it, line, len, buf, sizeof(buf));
	while (cmdline_next(&it, &t))
		count++, errors += t.error != NULL;
	ck_assert_int_eq(count, 256);
	ck_assert_int_eq(errors, 0);

	/* One more byte: "xyz" became "xyzw", crossing the limit; it is the one bad token. */
	memcpy(line + len, "w", 2);
	cmdline_iter_init(&it, line, len + 1, buf, sizeof(buf));
	count = errors = 0;
	while (cmdline_next(&it, &t)) {
		count++;
		if (t.error) {
			errors++;
			last_error = t.error;
			last_raw = t.raw;
			ck_assert_uint_eq(t.raw_len, 4);
		}
	}
	ck_assert_int_eq(count, 256);
	ck_assert_int_eq(errors, 1);
	ck_assert_str_eq(last_error, "past the 1023-byte limit of the command line");
	ck_assert_ptr_eq(last_raw, line + 1020);

	/* Blanks past the limit are not an error. */
	memset(line + len, ' ', 500);
	cmdline_iter_init(&it, line, len + 500, buf, sizeof(buf));
	count = errors = 0;
	while (cmdline_next(&it, &t))
		count++, errors += t.error != NULL;
	ck_assert_int_eq(count, 256);
	ck_assert_int_eq(errors, 0);

	/* One huge token: the whole line is reported, once. */
	memset(line, 'x', 3000);
	cmdline_iter_init(&it, line, 3000, buf, sizeof(buf));
	ck_assert(cmdline_next(&it, &t));
	ck_assert_str_eq(t.error, "past the 1023-byte limit of the command line");
	ck_assert_uint_eq(t.raw_len, 3000);
	ck_assert(!cmdline_next(&it, &t));
	free(line);
}
END_TEST

/* ---- cmdline_split_args ------------------------------------------------------------------- */

START_TEST(test_split_args)
{
	char s[128];
	char *argv[8];

	strcpy(s, "prog \"a b\" c\t d=e");
	ck_assert_int_eq(cmdline_split_args(s, argv, 8), 4);
	ck_assert_str_eq(argv[0], "prog");
	ck_assert_str_eq(argv[1], "a b");
	ck_assert_str_eq(argv[2], "c");
	ck_assert_str_eq(argv[3], "d=e");                  /* '=' is ordinary here */

	strcpy(s, "  x\"\"y \"\"  \"q\"\"r s\" ");
	ck_assert_int_eq(cmdline_split_args(s, argv, 8), 3);
	ck_assert_str_eq(argv[0], "xy");
	ck_assert_str_eq(argv[1], "");                     /* "" is an empty argument */
	ck_assert_str_eq(argv[2], "qr s");

	strcpy(s, "");
	ck_assert_int_eq(cmdline_split_args(s, argv, 8), 0);
	strcpy(s, " \t ");
	ck_assert_int_eq(cmdline_split_args(s, argv, 0), 0);
	strcpy(s, "lonely");
	ck_assert_int_eq(cmdline_split_args(s, argv, 1), 1);
	ck_assert_str_eq(argv[0], "lonely");
}
END_TEST

START_TEST(test_split_args_errors)
{
	char s[128];
	char *argv[3] = { NULL, NULL, NULL };

	strcpy(s, "a b c");
	ck_assert_int_eq(cmdline_split_args(s, argv, 3), 3);
	strcpy(s, "a b c d");
	ck_assert_int_eq(cmdline_split_args(s, argv, 3), -E2BIG);
	strcpy(s, "a");
	ck_assert_int_eq(cmdline_split_args(s, argv, 0), -E2BIG);
	ck_assert_int_eq(cmdline_split_args(s, argv, -1), -EINVAL);
	strcpy(s, "a \"b c");
	ck_assert_int_eq(cmdline_split_args(s, argv, 3), -EINVAL);
	strcpy(s, "a b\x02 c");
	ck_assert_int_eq(cmdline_split_args(s, argv, 3), -EINVAL);
}
END_TEST

/* Random lines never crash or overrun, and split_args agrees with the iterator. */
START_TEST(test_random_lines)
{
	static const char alphabet[] = "ab= \t\"\"\x01\xff";
	uint64_t seed = 0x5eed0001;

	for (int round = 0; round < 5000; round++) {
		size_t len = unit_rand_below(&seed, 40);
		char *line = malloc(len + 1);
		char *copy = malloc(len + 1);
		char *argv[64];
		struct cmdline_iter it;
		struct cmdline_token t;
		char buf[16];
		int count = 0, errors = 0, too_long = 0, argc;

		for (size_t i = 0; i < len; i++)
			line[i] = alphabet[unit_rand_below(&seed, sizeof(alphabet) - 1)];
		line[len] = '\0';
		memcpy(copy, line, len + 1);

		cmdline_iter_init(&it, line, len, buf, sizeof(buf));
		while (cmdline_next(&it, &t)) {
			count++;
			if (t.error && strcmp(t.error, "token too long") == 0)
				too_long++;
			else if (t.error)
				errors++;
			else
				ck_assert_uint_lt(strlen(t.key), sizeof(buf));
		}
		ck_assert_int_le(count, 20);

		/* Same tokens as split_args, unless a token was too long for buf. */
		argc = cmdline_split_args(copy, argv, 64);
		if (!too_long) {
			if (errors)
				ck_assert_int_eq(argc, -EINVAL);
			else
				ck_assert_int_eq(argc, count);
		}
		free(line);
		free(copy);
	}
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tok = tcase_create("tokenizer");
	TCase *split = tcase_create("split_args");

	tcase_add_test(tok, test_words);
	tcase_add_test(tok, test_key_value);
	tcase_add_test(tok, test_quotes);
	tcase_add_test(tok, test_high_bytes_are_ordinary);
	tcase_add_test(tok, test_control_characters);
	tcase_add_test(tok, test_nul_inside_length);
	tcase_add_test(tok, test_unterminated_quote);
	tcase_add_test(tok, test_small_buffer);
	tcase_add_test(tok, test_line_length_limit);
	suite_add_tcase(s, tok);

	tcase_add_test(split, test_split_args);
	tcase_add_test(split, test_split_args_errors);
	tcase_add_test(split, test_random_lines);
	suite_add_tcase(s, split);
	return s;
}
