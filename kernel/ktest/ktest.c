/* ktest.c - the self-test runner: KTAP on the console, one subtest per suite. */
#include "types.h"
#include "ktest.h"
#include "printk.h"
#include "string.h"

extern const struct ktest_suite __ktest_start[], __ktest_end[];

/* The compiler may pad between suite descriptors of different objects: skip the padding. */
#define for_each_suite(s) \
	for (const struct ktest_suite *s = __ktest_start; s < __ktest_end; s++) \
		if (s->name)

bool ktest_expect(struct ktest_ctx *ctx, bool ok, const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctx->cases++;
	if (!ok)
		ctx->failed++;
	cprintf("    %sok %u %s\n", ok ? "" : "not ", ctx->cases, buf);
	return ok;
}

void ktest_diag(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cprintf("    # %s\n", buf);
}

static bool selected(const char *list, const char *name)
{
	if (!strcmp(list, "all"))
		return true;
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (e ? 1 : 0);
	}
	return false;
}

extern bool user_output_to_log;

int ktest_run(const char *list)
{
	user_output_to_log = true;
	unsigned total = 0, idx = 0;
	int failed = 0;
	for_each_suite(s)
		total += selected(list, s->name);
	/* Names that match no suite are an error, not a silent pass. */
	for (const char *p = list; strcmp(list, "all") && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		bool found = false;
		for_each_suite(s)
			found |= strlen(s->name) == len && !strncmp(s->name, p, len);
		if (!found) {
			pr_err("ktest: no suite named '%.*s'\n", (int)len, p);
			failed++;
		}
		p += len + (e ? 1 : 0);
	}
	cprintf("KTAP version 1\n1..%u\n", total);
	for_each_suite(s) {
		if (!selected(list, s->name))
			continue;
		struct ktest_ctx ctx = { 0, 0 };
		cprintf("    KTAP version 1\n    # Subtest: %s\n", s->name);
		s->run(&ctx);
		cprintf("    1..%u\n", ctx.cases);
		bool ok = ctx.failed == 0 && ctx.cases > 0;
		cprintf("%sok %u %s\n", ok ? "" : "not ", ++idx, s->name);
		failed += !ok;
	}
	user_output_to_log = false;
	return failed;
}
