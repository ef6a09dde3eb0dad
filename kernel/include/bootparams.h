/*
 * bootparams.h - the boot options Portcullis knows, parsed once from the command line
 * (kernel/lib/bootparams.c, which holds the table of options and their help texts).
 *
 *   pti=on|off|auto     page-table isolation (default auto); nopti is pti=off
 *   nosmep nosmap noumip nofsgsbase noxsave nopcid noinvpcid nox2apic
 *                       do not use that CPU feature even if present
 *   quiet               kernel log on COM2 instead of COM1
 *   loglevel=N          log levels 0..N are printed (default 7: everything)
 *   ktest=LIST          in-kernel tests to run: comma-separated names, or all
 *   init=PROG ARGS...   the first program and its arguments: takes the REST of the line
 *   help                print the option table at boot
 *
 * The command line syntax is cmdline.h's (quotes group words). Parsing never fails: every
 * problem is reported with a message and skipped, and the defaults stay in place.
 */
#ifndef PORTCULLIS_BOOTPARAMS_H
#define PORTCULLIS_BOOTPARAMS_H

#include "types.h"

enum pti_mode {
	PTI_AUTO,       /* decide from the CPU (the default) */
	PTI_ON,
	PTI_OFF,
};

#define BOOT_KTEST_MAX      256   /* bytes of ktest=, with the NUL */
#define BOOT_INIT_MAX       1024  /* bytes of init=, with the NUL */
#define BOOT_INIT_MAX_ARGS  32    /* argv entries of init= (the program included); checked here */

struct boot_params {
	enum pti_mode pti;

	/* Feature disables: true means "do not use it". */
	bool nosmep, nosmap, noumip, nofsgsbase, noxsave, nopcid, noinvpcid, nox2apic;

	bool quiet;                    /* kernel log to COM2 */
	bool help;                     /* print the option table */
	unsigned loglevel;             /* 0..7; messages of level <= loglevel are printed */
	char ktest[BOOT_KTEST_MAX];    /* "" for none, "all", or "name1,name2,..." */

	/*
	 * init= as written, from the program name to the end of the line, quotes kept, e.g.
	 * `"my prog" -v x`; "" for the default. Split it with cmdline_split_args() into at most
	 * BOOT_INIT_MAX_ARGS arguments (bootparams_parse has checked that this succeeds).
	 */
	char init[BOOT_INIT_MAX];
};

/* Fill bp with the defaults: pti=auto, loglevel=7, everything else off or empty. */
void bootparams_defaults(struct boot_params *bp);

/*
 * Parse a NUL-terminated command line (NULL is taken as "") into bp, defaults first. Each
 * problem is passed to report(ctx, message) (report may be NULL), e.g.
 *     unknown boot option 'nosmepp' ignored
 *     pti=maybe: expected on, off or auto; keeping auto
 * and skipped. Returns the number of problems (0: the line was clean).
 */
int bootparams_parse(const char *line, struct boot_params *bp,
		     void (*report)(void *ctx, const char *msg), void *ctx);

/*
 * The parsed state on one line, as the options that would produce it, e.g.
 *     pti=auto loglevel=7 nosmep quiet ktest=all init=/bin/sh -c "echo hi"
 * Always NUL-terminated (if size > 0); returns the full length, like snprintf.
 */
int bootparams_describe(const struct boot_params *bp, char *buf, size_t size);

/* Call emit(ctx, line) for each line of the option table (for the `help` option). */
void bootparams_help(void (*emit)(void *ctx, const char *line), void *ctx);

/* "auto", "on" or "off". */
const char *pti_mode_name(enum pti_mode mode);

#endif
