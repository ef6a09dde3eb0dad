/*
 * cmdline.c - command-line tokenizer (syntax in cmdline.h).
 *
 * One routine, lex_token(), reads a token and writes it out with the quotes removed; the
 * iterator uses it with a separate buffer, cmdline_split_args() in place (the output never
 * gets ahead of the input, since removing quotes only makes a token shorter).
 */
#include "cmdline.h"
#include "errno.h"
#include "string.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_control(char c)
{
	unsigned char u = (unsigned char)c;

	return (u < 0x20 && c != '\t') || u == 0x7f;
}

/* What lex_token() found. */
struct lex {
	const char *raw_end;    /* just past the token in the input */
	size_t out_len;         /* bytes written to out, without the NUL */
	size_t eq;              /* index in out of the first unquoted '=', or SIZE_MAX */
	const char *raw_eq;     /* that '=' in the input, or NULL */
	const char *error;      /* NULL, or what is wrong with the token */
};

/*
 * Read the token starting at p (not a space or tab; p < end) and write it, quotes removed and
 * NUL-terminated, to out (out_size bytes, at least 1; out may be p itself). The token ends at
 * the first space or tab outside quotes, or at end. On an error the token is still read to its
 * end, so that the caller can go on after it.
 */
static void lex_token(const char *p, const char *end, char *out, size_t out_size, struct lex *lx)
{
	bool quoted = false;
	size_t n = 0;

	lx->eq = SIZE_MAX;
	lx->raw_eq = NULL;
	lx->error = NULL;

	for (; p < end && (quoted || !is_space(*p)); p++) {
		char c = *p;

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (is_control(c)) {
			if (!lx->error)
				lx->error = c == '\0' ? "NUL byte" : "control character";
			continue;
		}
		if (c == '=' && !quoted && !lx->raw_eq) {
			lx->eq = n;
			lx->raw_eq = p;
		}
		if (n + 1 < out_size)
			out[n] = c;
		else if (!lx->error)
			lx->error = "token too long";
		n++;
	}
	if (quoted && !lx->error)
		lx->error = "unterminated quote";

	lx->raw_end = p;
	lx->out_len = n < out_size ? n : out_size - 1;
	out[lx->out_len] = '\0';
}

void cmdline_iter_init(struct cmdline_iter *it, const char *line, size_t len, char *buf,
		       size_t size)
{
	it->pos = line;
	it->line_end = line + len;
	it->end = it->line_end;
	it->buf = buf;
	it->size = size;

	/*
	 * Over the limit: stop at the last space or tab before it, so that no token is cut in
	 * two. The part after that is returned as one malformed token at the end.
	 */
	if (len > CMDLINE_MAX_LEN) {
		const char *cut = line + CMDLINE_MAX_LEN;

		while (cut > line && !is_space(*cut))
			cut--;
		it->end = cut;
	}
}

bool cmdline_next(struct cmdline_iter *it, struct cmdline_token *tok)
{
	struct lex lx;

	while (it->pos < it->end && is_space(*it->pos))
		it->pos++;

	*tok = (struct cmdline_token){ 0 };

	if (it->pos >= it->end) {
		/* Past the length limit: all that is left (unless only blanks), as one token. */
		while (it->pos < it->line_end && is_space(*it->pos))
			it->pos++;
		if (it->pos >= it->line_end)
			return false;
		tok->raw = it->pos;
		tok->raw_len = (size_t)(it->line_end - it->pos);
		tok->error = "past the " STRINGIFY(CMDLINE_MAX_LEN) "-byte limit of the command line";
		it->pos = it->end = it->line_end;
		return true;
	}

	tok->raw = it->pos;
	if (it->size == 0) {
		/* No buffer at all: still walk over the token so that iteration ends. */
		while (it->pos < it->end && !is_space(*it->pos))
			it->pos++;
		tok->raw_len = (size_t)(it->pos - tok->raw);
		tok->error = "token too long";
		return true;
	}

	lex_token(it->pos, it->end, it->buf, it->size, &lx);
	tok->raw_len = (size_t)(lx.raw_end - it->pos);
	it->pos = lx.raw_end;

	if (lx.error) {
		tok->error = lx.error;
		return true;
	}

	/* Split at the first unquoted '=': the key ends there, the value follows. */
	tok->key = it->buf;
	if (lx.raw_eq) {
		it->buf[lx.eq] = '\0';
		tok->value = it->buf + lx.eq + 1;
		tok->raw_value = lx.raw_eq + 1;
	}
	return true;
}

int cmdline_split_args(char *s, char **argv, int max)
{
	const char *end = s + strlen(s);
	char *p = s;
	int argc = 0;

	if (max < 0)
		return -EINVAL;

	for (;;) {
		struct lex lx;

		while (p < end && is_space(*p))
			p++;
		if (p >= end)
			return argc;
		if (argc == max)
			return -E2BIG;

		/*
		 * In place: the output trails the input, and the NUL lands at most on the byte
		 * that ended the token (a space, or the string's own NUL).
		 */
		lex_token(p, end, p, (size_t)(end - p) + 1, &lx);
		if (lx.error)
			return -EINVAL;
		argv[argc++] = p;
		p = (char *)lx.raw_end;
		if (p < end)
			p++;    /* skip the separator (whose byte may now hold the NUL) */
	}
}
