/*
 * cmdline.h - a tokenizer for command lines (kernel/lib/cmdline.c).
 *
 * The syntax, shared by the kernel command line and the argument strings split out of it:
 *
 *   - Tokens are separated by spaces and tabs (any number; leading and trailing ones too).
 *   - Double quotes group: inside them, spaces and tabs do not separate. The quotes themselves
 *     are removed and may appear anywhere in a token: `a"b c"d` is the one token `ab cd`, and
 *     `""` is an empty token. There is no escape character, so a token cannot contain '"'.
 *   - A token `key=value` splits at its first '=' outside quotes: `init="my prog"` has key
 *     `init` and value `my prog`. (cmdline_split_args does not split at '='.)
 *   - Control characters (bytes below 0x20 other than tab, and 0x7f), a NUL inside the given
 *     length, and an unterminated quote make a token malformed. Bytes 0x80-0xff are ordinary.
 *
 * Errors never stop the iteration: a malformed token is returned with its error, and the next
 * call goes on with the following token. Nothing is ever written past the caller's buffers.
 */
#ifndef PORTCULLIS_CMDLINE_H
#define PORTCULLIS_CMDLINE_H

#include "types.h"

/*
 * Longest line the iterator reads (boot_info.cmdline holds 1023 bytes and a NUL). Whatever
 * follows the last complete token before this limit is returned as one malformed token.
 */
#define CMDLINE_MAX_LEN 1023

/* Token buffer that can hold any token of a CMDLINE_MAX_LEN line: the key, a NUL, the value, a NUL. */
#define CMDLINE_TOKEN_BUF_SIZE (CMDLINE_MAX_LEN + 2)

struct cmdline_token {
	/* Quotes removed, NUL-terminated, in the iterator's buffer (valid until the next call). */
	const char *key;        /* the whole token, or the part before the first unquoted '=' */
	const char *value;      /* the part after that '=' (maybe ""), or NULL if there is no '=' */

	/* Where the token is in the line as written (these point into the line). */
	const char *raw;        /* first byte of the token; not NUL-terminated */
	size_t raw_len;
	const char *raw_value;  /* first byte after the '=', or NULL if there is no '=' */

	/* NULL, or a static string saying why the token is malformed (key and value are NULL). */
	const char *error;
};

struct cmdline_iter {
	const char *pos;        /* next byte to read */
	const char *end;        /* end of the part of the line that is tokenized */
	const char *line_end;   /* end of the whole line: [end, line_end) is over the limit */
	char *buf;              /* caller's token buffer */
	size_t size;
};

/*
 * Start iterating over line[0..len). len is usually strlen(line), but the line need not be
 * NUL-terminated, and a NUL before len is reported as an error. buf (size bytes) receives each
 * token's key and value; a token that does not fit is reported as too long.
 * CMDLINE_TOKEN_BUF_SIZE bytes are always enough.
 */
void cmdline_iter_init(struct cmdline_iter *it, const char *line, size_t len, char *buf,
		       size_t size);

/* The next token: false at the end of the line. Check tok->error before using key/value. */
bool cmdline_next(struct cmdline_iter *it, struct cmdline_token *tok);

/*
 * Split the NUL-terminated string s into arguments in place (same syntax, but '=' is an
 * ordinary character), storing a pointer to each in argv[0..max-1]. No NULL is stored after
 * the last one. Returns the number of arguments, -E2BIG if there are more than max, or -EINVAL
 * for a control character or an unterminated quote (s may then be partly rewritten).
 */
int cmdline_split_args(char *s, char **argv, int max);

#endif
