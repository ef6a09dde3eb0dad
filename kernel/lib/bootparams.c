/*
 * bootparams.c - parse the kernel command line into struct boot_params.
 *
 * Every option is one row of options[] below: its name, its kind, the field it sets and a line
 * of help. Parsing, the `help` listing and bootparams_describe() all walk that table, so adding
 * an option is adding a field and a row.
 *
 * Kinds:
 *   FLAG    `name`            sets a bool; a value is an error
 *   ENUM    `name=choice`     one of a list of words, stored as its index
 *   UINT    `name=N`          decimal, 0..max
 *   STRING  `name=text`       text (quotes removed) up to the field's size, optionally checked
 *   REST    `name=PROG ...`   everything to the end of the line, as written (init=)
 *   ALIAS   `name`            shorthand for another option with a fixed value (nopti)
 */
#include "bootparams.h"
#include "boot.h"
#include "cmdline.h"
#include "printk.h"
#include "string.h"

/* The tokenizer must accept any line the boot loader code can hand us. */
static_assert(sizeof(boot_info.cmdline) - 1 <= CMDLINE_MAX_LEN, "boot command line > CMDLINE_MAX_LEN");
/* ENUM fields are stored through an unsigned int. */
static_assert(sizeof(enum pti_mode) == sizeof(unsigned), "enum pti_mode is not an unsigned int");

enum opt_kind { OPT_FLAG, OPT_ENUM, OPT_UINT, OPT_STRING, OPT_REST, OPT_ALIAS };

struct bootopt {
	const char *name;
	enum opt_kind kind;
	size_t offset;                  /* the field in struct boot_params */
	size_t size;                    /* its size (STRING, REST) */
	const char *syntax;             /* how it is written, for the help */
	const char *what;               /* what the value must be, for messages */
	const char *const *choices;     /* ENUM: the word for each value, NULL-terminated */
	unsigned max;                   /* UINT: largest value */
	const char *(*check)(const char *value);  /* STRING: NULL if fine, else what is wrong */
	const char *alias_of;           /* ALIAS: the option this one stands for... */
	const char *alias_value;        /* ...and the value it gives it */
	const char *help;
};

#define FIELD(f) .offset = offsetof(struct boot_params, f), \
		 .size = sizeof(((struct boot_params *)0)->f)

#define FLAG(n, h)  { .name = #n, .kind = OPT_FLAG, FIELD(n), .syntax = #n, .help = h }

static const char *const pti_choices[] = {
	[PTI_AUTO] = "auto",
	[PTI_ON] = "on",
	[PTI_OFF] = "off",
	NULL,
};

static const char *check_test_list(const char *list);

static const struct bootopt options[] = {
	{ .name = "pti", .kind = OPT_ENUM, FIELD(pti), .syntax = "pti=on|off|auto",
	  .what = "on, off or auto", .choices = pti_choices,
	  .help = "page-table isolation (default: auto, decided from the CPU)" },
	{ .name = "nopti", .kind = OPT_ALIAS, .syntax = "nopti", .alias_of = "pti",
	  .alias_value = "off", .help = "same as pti=off" },
	FLAG(nosmep, "do not enable SMEP"),
	FLAG(nosmap, "do not enable SMAP"),
	FLAG(noumip, "do not enable UMIP"),
	FLAG(nofsgsbase, "do not enable FSGSBASE"),
	FLAG(noxsave, "do not use XSAVE"),
	FLAG(nopcid, "do not use PCIDs"),
	FLAG(noinvpcid, "do not use INVPCID"),
	FLAG(nox2apic, "do not use x2APIC mode"),
	FLAG(quiet, "kernel log to COM2 instead of COM1"),
	FLAG(help, "list these options at boot"),
	{ .name = "loglevel", .kind = OPT_UINT, FIELD(loglevel), .syntax = "loglevel=N",
	  .what = "a number from 0 to 7", .max = 7,
	  .help = "print kernel messages of level 0..N (default 7: all)" },
	{ .name = "ktest", .kind = OPT_STRING, FIELD(ktest), .syntax = "ktest=LIST",
	  .what = "a comma-separated list of test names, or all", .check = check_test_list,
	  .help = "run in-kernel tests: comma-separated names, or all" },
	{ .name = "init", .kind = OPT_REST, FIELD(init), .syntax = "init=PROG ARGS...",
	  .what = "a program name",
	  .help = "first program and its arguments (takes the rest of the line)" },
	/* init= stays last: bootparams_describe() lists the options in this order. */
};

#define NOPTIONS ARRAY_SIZE(options)

static const struct bootopt *find_option(const char *name)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	}
	return NULL;
}

/* ktest=: names of letters, digits, '_', '-' and '.', separated by single commas. */
static const char *check_test_list(const char *list)
{
	bool empty = true;     /* the current name has no character yet */

	for (const char *p = list;; p++) {
		char c = *p;

		if (c == ',' || c == '\0') {
			if (empty)
				return "empty test name in the list";
			if (c == '\0')
				return NULL;
			empty = true;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.') {
			empty = false;
		} else {
			return "test names are made of letters, digits, '_', '-' and '.'";
		}
	}
}

/* Parsing state. */
struct parser {
	struct boot_params *bp;
	void (*report)(void *ctx, const char *msg);
	void *ctx;
	int problems;
	const struct bootopt *set_by[NOPTIONS];  /* the row (maybe an alias) that set each option */
	char shown[128];                         /* a token made printable, for a message */
};

static void __printf(2, 3) problem(struct parser *p, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	p->problems++;
	if (!p->report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->report(p->ctx, msg);
}

/*
 * Make n bytes of s printable for a message: bytes outside 0x20..0x7e become \xNN, and a long
 * token is cut with "..." at the end. The result lives in p->shown until the next call.
 */
static const char *show(struct parser *p, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const size_t cut = sizeof(p->shown) - 4;   /* room for "...", and the NUL */
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t need = (c >= 0x20 && c < 0x7f) ? 1 : 4;

		if (o + need > cut) {
			memcpy(p->shown + o, "...", 3);
			o += 3;
			break;
		}
		if (need == 1) {
			p->shown[o++] = (char)c;
		} else {
			p->shown[o++] = '\\';
			p->shown[o++] = 'x';
			p->shown[o++] = hex[c >> 4];
			p->shown[o++] = hex[c & 15];
		}
	}
	p->shown[o] = '\0';
	return p->shown;
}

static const char *show_token(struct parser *p, const struct cmdline_token *tok)
{
	return show(p, tok->raw, tok->raw_len);
}

static void *field(struct parser *p, const struct bootopt *opt)
{
	return (char *)p->bp + opt->offset;
}

/*
 * Store s[0..len) (len < size) in a char field, zero-filling the rest so that the result does
 * not depend on what an earlier value left there.
 */
static void store_string(char *dst, size_t size, const char *s, size_t len)
{
	memset(dst, 0, size);
	memcpy(dst, s, len);
}

/* Record that opt is being set (via the row `via`); complain if it was set before. */
static void mark_set(struct parser *p, const struct bootopt *opt, const struct bootopt *via)
{
	size_t i = (size_t)(opt - options);
	const struct bootopt *prev = p->set_by[i];

	if (prev) {
		const struct bootopt *alias = via->kind == OPT_ALIAS ? via :
					      prev->kind == OPT_ALIAS ? prev : NULL;

		if (alias)
			problem(p, "option '%s' given twice (%s means %s=%s); the last one wins",
				opt->name, alias->name, alias->alias_of, alias->alias_value);
		else
			problem(p, "option '%s' given twice; the last one wins", opt->name);
	}
	p->set_by[i] = via;
}

/*
 * init=PROG ARGS...: take the rest of the line, as written. The iterator is only used to find
 * the arguments' extent and to check that cmdline_split_args() will accept them later.
 */
static void parse_rest(struct parser *p, const struct bootopt *opt, const struct bootopt *via,
		       const struct cmdline_token *tok, struct cmdline_iter *it)
{
	const char *start = tok->raw_value, *end = tok->raw + tok->raw_len;
	bool has_program = tok->value && tok->value[0];
	const char *bad = NULL;
	struct cmdline_token arg;
	int argc = 1;
	size_t len;

	/* Everything after us belongs to us, even if we end up rejecting it. */
	while (cmdline_next(it, &arg)) {
		if (arg.error && !bad) {
			problem(p, "%s= ignored: argument '%s': %s", opt->name, show_token(p, &arg),
				arg.error);
			bad = arg.error;
		}
		argc++;
		end = arg.raw + arg.raw_len;
	}

	if (bad)
		return;
	if (!has_program) {
		problem(p, "%s= needs %s", opt->name, opt->what);
		return;
	}
	if (argc > BOOT_INIT_MAX_ARGS) {
		problem(p, "%s= ignored: %d arguments, at most %d are allowed", opt->name, argc,
			BOOT_INIT_MAX_ARGS);
		return;
	}
	len = (size_t)(end - start);
	if (len >= opt->size) {
		problem(p, "%s= ignored: longer than %zu bytes", opt->name, opt->size - 1);
		return;
	}
	mark_set(p, opt, via);
	store_string(field(p, opt), opt->size, start, len);
}

/* Apply one well-formed token. it is needed by REST options, which eat the rest of the line. */
static void parse_option(struct parser *p, const struct cmdline_token *tok, struct cmdline_iter *it)
{
	const struct bootopt *via = find_option(tok->key), *opt = via;
	const char *value = tok->value;
	u64 number;
	const char *end;

	if (!opt) {
		problem(p, "unknown boot option '%s' ignored", show_token(p, tok));
		return;
	}

	/* Flags and aliases take no value: "nosmep=" is as wrong as "nosmep=1". */
	if ((opt->kind == OPT_FLAG || opt->kind == OPT_ALIAS) && value) {
		problem(p, "%s does not take a value", opt->name);
		return;
	}
	if (opt->kind == OPT_ALIAS) {
		opt = find_option(via->alias_of);
		value = via->alias_value;
	}
	/* "init=" (even empty) takes the rest of the line; a bare "init" is only an error. */
	if (opt->kind == OPT_REST && value) {
		parse_rest(p, opt, via, tok, it);
		return;
	}
	if (opt->kind != OPT_FLAG && (!value || !value[0])) {
		problem(p, "%s= needs %s", opt->name, opt->what);
		return;
	}

	switch (opt->kind) {
	case OPT_FLAG:
		mark_set(p, opt, via);
		*(bool *)field(p, opt) = true;
		break;

	case OPT_ENUM: {
		unsigned *dst = field(p, opt);

		for (unsigned i = 0; opt->choices[i]; i++) {
			if (strcmp(value, opt->choices[i]) == 0) {
				mark_set(p, opt, via);
				*dst = i;
				return;
			}
		}
		problem(p, "%s: expected %s; keeping %s", show_token(p, tok), opt->what,
			opt->choices[*dst]);
		break;
	}

	case OPT_UINT: {
		unsigned *dst = field(p, opt);

		if (!parse_u64(value, &end, 10, &number) || *end) {
			problem(p, "%s: not a number", show_token(p, tok));
		} else if (number > opt->max) {
			problem(p, "%s: out of range 0..%u; keeping %u", show_token(p, tok), opt->max,
				*dst);
		} else {
			mark_set(p, opt, via);
			*dst = (unsigned)number;
		}
		break;
	}

	case OPT_STRING: {
		const char *why = opt->check ? opt->check(value) : NULL;

		if (strlen(value) >= opt->size)
			problem(p, "%s: longer than %zu bytes; ignored", show_token(p, tok), opt->size - 1);
		else if (why)
			problem(p, "%s: %s; ignored", show_token(p, tok), why);
		else {
			mark_set(p, opt, via);
			store_string(field(p, opt), opt->size, value, strlen(value));
		}
		break;
	}

	case OPT_REST:
	case OPT_ALIAS:
		break;          /* handled above */
	}
}

void bootparams_defaults(struct boot_params *bp)
{
	memset(bp, 0, sizeof(*bp));
	bp->pti = PTI_AUTO;
	bp->loglevel = 7;
}

int bootparams_parse(const char *line, struct boot_params *bp,
		     void (*report)(void *ctx, const char *msg), void *ctx)
{
	struct parser p = { .bp = bp, .report = report, .ctx = ctx };
	char buf[CMDLINE_TOKEN_BUF_SIZE];
	struct cmdline_iter it;
	struct cmdline_token tok;

	bootparams_defaults(bp);
	if (!line)
		line = "";

	cmdline_iter_init(&it, line, strlen(line), buf, sizeof(buf));
	while (cmdline_next(&it, &tok)) {
		if (tok.error)
			problem(&p, "'%s': %s; ignored", show_token(&p, &tok), tok.error);
		else
			parse_option(&p, &tok, &it);
	}
	return p.problems;
}

/* Append to a bounded buffer, counting what did not fit (like snprintf). */
struct appender {
	char *buf;
	size_t size;
	size_t len;
};

static void __printf(2, 3) append(struct appender *a, const char *fmt, ...)
{
	size_t off = a->len < a->size ? a->len : a->size;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(a->size ? a->buf + off : NULL, a->size - off, fmt, ap);
	va_end(ap);
	a->len += (size_t)n;
}

int bootparams_describe(const struct boot_params *bp, char *buf, size_t size)
{
	struct appender a = { .buf = buf, .size = size };

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct bootopt *opt = &options[i];
		const void *f = (const char *)bp + opt->offset;
		const char *sep = a.len ? " " : "";

		switch (opt->kind) {
		case OPT_FLAG:
			if (*(const bool *)f)
				append(&a, "%s%s", sep, opt->name);
			break;
		case OPT_ENUM: {
			unsigned v = *(const unsigned *)f;
			unsigned n = 0;

			while (opt->choices[n])
				n++;
			if (v < n)
				append(&a, "%s%s=%s", sep, opt->name, opt->choices[v]);
			else
				append(&a, "%s%s=?%u", sep, opt->name, v);
			break;
		}
		case OPT_UINT:
			append(&a, "%s%s=%u", sep, opt->name, *(const unsigned *)f);
			break;
		case OPT_STRING:
		case OPT_REST:
			/* Bounded by the field, in case bp was never parsed. */
			if (*(const char *)f)
				append(&a, "%s%s=%.*s", sep, opt->name, (int)opt->size - 1,
				       (const char *)f);
			break;
		case OPT_ALIAS:
			break;
		}
	}
	return a.len > INT32_MAX ? INT32_MAX : (int)a.len;
}

void bootparams_help(void (*emit)(void *ctx, const char *line), void *ctx)
{
	char line[128];

	emit(ctx, "boot options (words separated by spaces; \"double quotes\" group words):");
	for (size_t i = 0; i < NOPTIONS; i++) {
		snprintf(line, sizeof(line), "  %-20s %s", options[i].syntax, options[i].help);
		emit(ctx, line);
	}
}

const char *pti_mode_name(enum pti_mode mode)
{
	return (unsigned)mode < ARRAY_SIZE(pti_choices) - 1 ? pti_choices[mode] : "?";
}
