/*
 * ktap.h - KTAP version 1 output, the format of the kernel's own selftests.
 *
 *   KTAP version 1
 *   1..3
 *   ok 1 getpid > 0
 *   not ok 2 gettid == getpid
 *   # gettid=7 getpid=6            <- diagnostics start with '#'
 *   ok 3 vDSO path # SKIP no AT_SYSINFO
 *
 * Everything goes to fd 1. A program ends with `return ktap_done();`, which is 0 if every test
 * passed (skips count as passes) and exactly the planned number ran, 1 otherwise.
 */
#ifndef USER_KTAP_H
#define USER_KTAP_H

#include <stdbool.h>

/* Print the header and the plan: n tests will follow. */
void ktap_plan(unsigned n);

/* Report the next test as passed if cond is true; returns cond. */
bool ktap_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report the next test as skipped; `reason` follows "# SKIP". */
void ktap_skip(const char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A diagnostic line: "# " followed by the formatted text. */
void ktap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Exit status for main: 0 if all passed and the plan was kept, 1 otherwise. */
int ktap_done(void);

#endif
