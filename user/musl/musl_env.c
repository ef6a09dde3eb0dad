/*
 * musl_env.c - what a static program finds at its start: argv, the environment and the auxiliary
 * vector, printed so that Linux and Portcullis give the same text. Values that legitimately
 * differ between kernels (addresses, AT_RANDOM's bytes, hardware capabilities, the clock rate)
 * are checked for sanity, not printed.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	printf("argv[argc] is %s\n", argv[argc] ? "not NULL" : "NULL");
	for (char **e = environ; *e; e++)
		printf("env %s\n", *e);
	printf("getenv(HOME)=%s\n", getenv("HOME") ? getenv("HOME") : "(none)");

	printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
	printf("AT_UID=%lu AT_EUID=%lu AT_GID=%lu AT_EGID=%lu\n", getauxval(AT_UID),
	       getauxval(AT_EUID), getauxval(AT_GID), getauxval(AT_EGID));
	printf("AT_SECURE=%lu\n", getauxval(AT_SECURE));
	Elf64_Ehdr *eh = (Elf64_Ehdr *)(getauxval(AT_PHDR) - sizeof(Elf64_Ehdr));
	printf("AT_PHENT=%lu AT_PHNUM matches the ELF header: %s\n", getauxval(AT_PHENT),
	       eh->e_phnum == getauxval(AT_PHNUM) ? "yes" : "no");
	printf("AT_ENTRY is the ELF entry point: %s\n", eh->e_entry == getauxval(AT_ENTRY) ? "yes" : "no");
	unsigned char *rnd = (unsigned char *)getauxval(AT_RANDOM);
	int nonzero = 0;
	for (int i = 0; rnd && i < 16; i++)
		nonzero += rnd[i] != 0;
	printf("AT_RANDOM: 16 bytes, %s\n", nonzero >= 8 ? "not all zero" : "MOSTLY ZERO");
	const char *fn = (const char *)getauxval(AT_EXECFN);
	printf("AT_EXECFN present: %s\n", fn && *fn ? "yes" : "no");
	printf("AT_CLKTCK=%lu\n", getauxval(AT_CLKTCK));
	printf("sysconf(_SC_PAGESIZE)=%ld\n", sysconf(_SC_PAGESIZE));
	return 0;
}
