/*
 * wait_report.h - how the musl process tests print a wait status: the same words on Linux and
 * Portcullis for an exit code or a fatal signal (never the raw status, whose core-dump bit
 * depends on the host's core limit).
 */
#ifndef MUSL_WAIT_REPORT_H
#define MUSL_WAIT_REPORT_H

#include <stdio.h>
#include <sys/wait.h>

static void report(const char *what, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited with %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", what, WTERMSIG(st));
	else
		printf("%s: status %#x\n", what, st);
	fflush(stdout);
}

#endif
