/*
 * ktap.c - KTAP version 1 reporting (see ktap.h).
 */
#include "ktap.h"
#include "ulib.h"

static unsigned ktap_planned, ktap_ran, ktap_failed, ktap_skipped;

void ktap_plan(unsigned n)
{
	ktap_planned = n;
	printf("KTAP version 1\n1..%u\n", n);
}

bool ktap_ok(bool cond, const char *fmt, ...)
{
	char desc[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);

	ktap_ran++;
	if (!cond)
		ktap_failed++;
	printf("%s %u %s\n", cond ? "ok" : "not ok", ktap_ran, desc);
	return cond;
}

void ktap_skip(const char *reason, const char *fmt, ...)
{
	char desc[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);

	ktap_ran++;
	ktap_skipped++;
	printf("ok %u %s # SKIP %s\n", ktap_ran, desc, reason);
}

void ktap_diag(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("# %s\n", line);
}

int ktap_done(void)
{
	/* The summary line kselftest prints. */
	ktap_diag("Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0",
		  ktap_ran - ktap_failed - ktap_skipped, ktap_failed, ktap_skipped);
	if (ktap_ran != ktap_planned) {
		ktap_diag("planned %u tests but ran %u", ktap_planned, ktap_ran);
		return 1;
	}
	if (ktap_failed)
		ktap_diag("%u of %u tests failed", ktap_failed, ktap_ran);
	return ktap_failed ? 1 : 0;
}
