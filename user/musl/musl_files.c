/*
 * musl_files.c - an ordinary C program reading files through musl: open, read, fstat, stat,
 * lseek, pread, stdio (readv), opendir/readdir (getdents64) and the usual errors.
 *
 * Run as `musl_files PATH_OF_ITSELF`; prints the same on Linux and on Portcullis (where the path
 * is the module name, e.g. "musl_files", relative to "/"). Exit status 0 iff every check held.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", what, ok ? "yes" : "NO");
	if (!ok)
		failures++;
}

static const char *errname(int e)
{
	switch (e) {
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EISDIR: return "EISDIR";
	case ENOTDIR: return "ENOTDIR";
	case EROFS: return "EROFS";
	case EACCES: return "EACCES";
	default: return "other";
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: musl_files PATH_OF_THIS_PROGRAM\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		printf("open %s: %s\n", argv[1], errname(errno));
		return 1;
	}

	Elf64_Ehdr eh;
	check(read(fd, &eh, sizeof(eh)) == (ssize_t)sizeof(eh), "read the ELF header");
	printf("magic: %02x %c%c%c, class %d, e_machine %d\n", eh.e_ident[0], eh.e_ident[1],
	       eh.e_ident[2], eh.e_ident[3], eh.e_ident[EI_CLASS], eh.e_machine);

	struct stat st, st2;
	check(fstat(fd, &st) == 0 && S_ISREG(st.st_mode), "fstat: a regular file");
	off_t end = lseek(fd, 0, SEEK_END);
	check(end > (off_t)sizeof(eh) && st.st_size == end, "size matches");
	check(stat(argv[1], &st2) == 0 && st2.st_size == st.st_size && st2.st_ino == st.st_ino,
	      "stat matches fstat");
	char c;
	check(read(fd, &c, 1) == 0, "read at the end gives 0");

	/* pread does not move the offset; read after lseek gives the same bytes. */
	char a[100], b[100];
	off_t at = end / 2;
	check(pread(fd, a, sizeof(a), at) == (ssize_t)sizeof(a), "pread64 in the middle");
	check(lseek(fd, 0, SEEK_CUR) == end, "pread64 left the offset alone");
	check(lseek(fd, at, SEEK_SET) == at && read(fd, b, sizeof(b)) == (ssize_t)sizeof(b) &&
	      !memcmp(a, b, sizeof(a)), "pread64 equals read after lseek");
	check(lseek(fd, -(off_t)sizeof(b), SEEK_CUR) == at, "lseek SEEK_CUR backwards");
	check(lseek(fd, 0, 42) == -1 && errno == EINVAL, "lseek with a bad whence: EINVAL");
	check(close(fd) == 0, "close");
	check(read(fd, &c, 1) == -1 && errno == EBADF, "read after close: EBADF");

	/* stdio reads with readv. */
	FILE *f = fopen(argv[1], "r");
	char magic[4] = { 0 };
	check(f && fread(magic, 1, 4, f) == 4 && !memcmp(magic, "\177ELF", 4), "fread the magic");
	if (f)
		fclose(f);

	int d = open("/", O_RDONLY | O_DIRECTORY);
	check(d >= 0, "open / O_DIRECTORY");
	long r = read(d, a, sizeof(a));
	printf("read on /: %ld %s\n", r, errname(errno));
	check(fstat(d, &st) == 0 && S_ISDIR(st.st_mode), "fstat /: a directory");
	close(d);

	r = open("/no-such-file-here", O_RDONLY);
	printf("open of a missing file: %ld %s\n", r, errname(errno));
	r = open(argv[1], O_RDONLY | O_DIRECTORY);
	printf("open a file as a directory: %ld %s\n", r, errname(errno));

	DIR *dir = opendir("/");
	int dots = 0;
	for (struct dirent *e; dir && (e = readdir(dir));)
		dots += !strcmp(e->d_name, ".") + !strcmp(e->d_name, "..");
	check(dir && dots == 2, "readdir / lists . and ..");
	if (dir)
		closedir(dir);

	printf("%s\n", failures ? "FAILED" : "all good");
	return failures != 0;
}
