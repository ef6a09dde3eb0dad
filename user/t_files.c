/*
 * t_files.c - the file system calls on Portcullis's read-only root (the boot modules), with
 * every error a program can provoke: open's flags on a read-only file system (EROFS, EISDIR,
 * EEXIST), path errors (ENOENT, ENOTDIR, ENAMETOOLONG), bad pointers (EFAULT), bad descriptors
 * (EBADF), a full table (EMFILE), getdents64 of "/", stat layouts, and fds 0-2 (the console).
 *
 * Built twice: t_files (x86-64 numbers and struct stat) and t_files32 (the i386 numbers, struct
 * stat64 and _llseek, through INT 0x80). Portcullis only: Linux's root is not made of modules
 * and its errors for writes differ (a writable root gives no EROFS). argv[0] must be the
 * program's module name, as Portcullis passes it.
 */
#include "ktap.h"
#include "ulib.h"

#ifdef __x86_64__
enum { NR_READ = 0, NR_WRITE = 1, NR_OPEN = 2, NR_CLOSE = 3, NR_STAT = 4, NR_FSTAT = 5,
       NR_LSEEK = 8, NR_IOCTL = 16, NR_PREAD64 = 17, NR_READV = 19, NR_ACCESS = 21, NR_DUP = 32,
       NR_FCNTL = 72, NR_GETCWD = 79, NR_CHDIR = 80, NR_READLINK = 89, NR_GETDENTS64 = 217,
       NR_OPENAT = 257, NR_FSTATAT = 262, NR_LLSEEK = -1 };
/* struct stat: st_ino, st_nlink, st_mode, st_size, st_blksize, st_blocks offsets. */
enum { ST_INO = 8, ST_NLINK = 16, ST_MODE = 24, ST_SIZE = 48, ST_BLKSIZE = 56, ST_BLOCKS = 64,
       ST_NLINK_SIZE = 8, ST_BLKSIZE_SIZE = 8 };
#define BAD_PTR 0xffff888000000000UL        /* the kernel's direct map */
static long sc(long nr, long a, long b, long c, long d, long e) { return syscall5(nr, a, b, c, d, e); }
#else
enum { NR_READ = 3, NR_WRITE = 4, NR_OPEN = 5, NR_CLOSE = 6, NR_STAT = 195, NR_FSTAT = 197,
       NR_LSEEK = 19, NR_IOCTL = 54, NR_PREAD64 = 180, NR_READV = 145, NR_ACCESS = 33, NR_DUP = 41,
       NR_FCNTL = 221, NR_GETCWD = 183, NR_CHDIR = 12, NR_READLINK = 85, NR_GETDENTS64 = 220,
       NR_OPENAT = 295, NR_FSTATAT = 300, NR_LLSEEK = 140 };
/* struct stat64 (i386). */
enum { ST_INO = 88, ST_NLINK = 20, ST_MODE = 16, ST_SIZE = 44, ST_BLKSIZE = 52, ST_BLOCKS = 56,
       ST_NLINK_SIZE = 4, ST_BLKSIZE_SIZE = 4 };
#define BAD_PTR 0xfffff000UL                /* above TASK_SIZE of a 32-bit task */
static long sc(long nr, long a, long b, long c, long d, long e) { return int80_5(nr, a, b, c, d, e); }
#endif

#define O_RDONLY    0
#define O_WRONLY    1
#define O_RDWR      2
#define O_CREAT     0100
#define O_EXCL      0200
#define O_TRUNC     01000
#define O_DIRECTORY 0200000
#define O_CLOEXEC   02000000
#define AT_FDCWD    (-100)
#define AT_EMPTY_PATH 0x1000
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define F_GETFD 1
#define F_SETFD 2
#define TIOCGWINSZ 0x5413
#define S_IFMT  0170000
#define S_IFCHR 0020000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define DT_DIR 4
#define DT_REG 8
#define FILES_MAX 64

#define ENOENT 2
#define E_BADF 9
#define EACCES 13
#define EEXIST 17
#define ENOTDIR 20
#define EISDIR 21
#define EMFILE 24
#define ENOTTY 25
#define ESPIPE 29
#define EROFS 30
#define ERANGE 34
#define ENAMETOOLONG 36

#define PLAN 82

static long sys_open_(const char *p, long flags) { return sc(NR_OPEN, (long)p, flags, 0, 0, 0); }
static long sys_read_(long fd, void *b, long n) { return sc(NR_READ, fd, (long)b, n, 0, 0); }
static long sys_close_(long fd) { return sc(NR_CLOSE, fd, 0, 0, 0, 0); }
static long sys_lseek_(long fd, long off, long whence) { return sc(NR_LSEEK, fd, off, whence, 0, 0); }

static uint64_t field(const unsigned char *st, int off, int size)
{
	uint64_t v = 0;
	memcpy(&v, st + off, size);
	return v;
}

struct dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
} __attribute__((packed));

/* Look for name in getdents64 records buf[0, n): its d_type, or -1; checks the record shapes. */
static int find_entry(const char *buf, long n, const char *name, bool *shapes_ok)
{
	int type = -1;
	for (long at = 0; at < n;) {
		const struct dirent64 *d = (const void *)(buf + at);
		if (d->d_reclen % 8 || d->d_reclen < 20 || at + d->d_reclen > n || !d->d_ino)
			*shapes_ok = false;
		if (!d->d_reclen)
			break;
		if (!strcmp(d->d_name, name))
			type = d->d_type;
		at += d->d_reclen;
	}
	return type;
}

static char big[4200];

int main(int argc, char **argv)
{
	const char *self = argc > 0 ? argv[0] : "t_files";
	char abs[80], buf[4096];
	unsigned char st[160], st2[160];
	long r, fd;

	ktap_plan(PLAN);
	snprintf(abs, sizeof(abs), "/%s", self);

	/* ---- open, read, stat, seek on a file ---- */
	fd = sys_open_(self, O_RDONLY);
	ktap_ok(fd == 3, "open(\"%s\") is the lowest free descriptor, 3 (got %ld)", self, fd);
	ktap_ok(sys_read_(fd, buf, 4) == 4 && !memcmp(buf, "\177ELF", 4), "read gives the ELF magic");
	r = sc(NR_FSTAT, fd, (long)st, 0, 0, 0);
	uint64_t size = field(st, ST_SIZE, 8), ino = field(st, ST_INO, 8);
	ktap_ok(r == 0 && field(st, ST_MODE, 4) == (S_IFREG | 0555) &&
		field(st, ST_NLINK, ST_NLINK_SIZE) == 1 && size > 64 &&
		field(st, ST_BLKSIZE, ST_BLKSIZE_SIZE) == 4096 &&
		field(st, ST_BLOCKS, 8) == (size + 511) / 512 && ino > 1,
		"fstat: S_IFREG|0555, nlink 1, blksize 4096, blocks (size %lu)", (unsigned long)size);
	ktap_ok(sys_lseek_(fd, 0, SEEK_END) == (long)size, "lseek SEEK_END is st_size");
	ktap_ok(sys_read_(fd, buf, 10) == 0, "read at the end gives 0");
	ktap_ok(sys_lseek_(fd, 0, 5) == -EINVAL, "lseek whence 5: EINVAL");
	ktap_ok(sys_lseek_(fd, -1, SEEK_SET) == -EINVAL, "lseek to -1: EINVAL");
	ktap_ok(sys_lseek_(fd, size + 100, SEEK_SET) == (long)size + 100 && sys_read_(fd, buf, 1) == 0,
		"lseek past the end, then read gives 0");
	ktap_ok(sys_lseek_(fd, 1, SEEK_SET) == 1 && sys_lseek_(fd, 2, SEEK_CUR) == 3,
		"lseek SEEK_SET then SEEK_CUR");
	memset(buf, 0, 8);
	ktap_ok(sc(NR_PREAD64, fd, (long)buf, 3, 1, 0) == 3 && !memcmp(buf, "ELF", 3) &&
		sys_lseek_(fd, 0, SEEK_CUR) == 3, "pread64 at 1 reads \"ELF\" and leaves the offset");
	ktap_ok(sc(NR_PREAD64, fd, (long)buf, 3, -1, -1) == -EINVAL, "pread64 at -1: EINVAL");
#ifdef __i386__
	{
		int64_t res = -1;
		r = sc(NR_LLSEEK, fd, 0, 5, (long)&res, SEEK_SET);
		ktap_ok(r == 0 && res == 5 && sys_lseek_(fd, 0, SEEK_CUR) == 5, "_llseek to 5");
		r = sc(NR_LLSEEK, fd, 0, 0, (long)BAD_PTR, SEEK_SET);
		ktap_ok(r == -EFAULT, "_llseek with a bad result pointer: EFAULT (got %ld)", r);
	}
#else
	ktap_skip("i386 only", "_llseek to 5");
	ktap_skip("i386 only", "_llseek with a bad result pointer: EFAULT");
#endif
	{
		char a[2], b[3];
		struct iovec iov[2] = { { a, 2 }, { b, 3 } };
		sys_lseek_(fd, 0, SEEK_SET);
		r = sc(NR_READV, fd, (long)iov, 2, 0, 0);
		ktap_ok(r == 5 && !memcmp(a, "\177E", 2) && !memcmp(b, "LF", 2), "readv of two vectors");
	}
	r = sys_read_(fd, (void *)BAD_PTR, 16);
	ktap_ok(r == -EFAULT, "read into a bad buffer: EFAULT (got %ld)", r);
	ktap_ok(sc(NR_FSTAT, fd, (long)BAD_PTR, 0, 0, 0) == -EFAULT, "fstat to a bad buffer: EFAULT");
	ktap_ok(sc(NR_WRITE, fd, (long)"x", 1, 0, 0) == -E_BADF, "write to a read-only file: EBADF");
	ktap_ok(sc(NR_IOCTL, fd, TIOCGWINSZ, (long)buf, 0, 0) == -ENOTTY, "ioctl on a file: ENOTTY");

	/* ---- stat by path and from directories ---- */
	r = sc(NR_STAT, (long)abs, (long)st2, 0, 0, 0);
	ktap_ok(r == 0 && field(st2, ST_INO, 8) == ino && field(st2, ST_SIZE, 8) == size,
		"stat(\"%s\") matches fstat", abs);
	r = sc(NR_STAT, (long)"//.././", (long)st2, 0, 0, 0);
	ktap_ok(r == 0 && field(st2, ST_MODE, 4) == (S_IFDIR | 0555) && field(st2, ST_INO, 8) == 1 &&
		field(st2, ST_NLINK, ST_NLINK_SIZE) >= 2, "stat(\"//.././\"): the root, S_IFDIR|0555");
	long dfd = sys_open_("/", O_RDONLY | O_DIRECTORY);
	ktap_ok(dfd == 4, "open(\"/\", O_DIRECTORY) = 4");
	r = sc(NR_FSTATAT, dfd, (long)self, (long)st2, 0, 0);
	ktap_ok(r == 0 && field(st2, ST_INO, 8) == ino, "fstatat(dirfd of /, \"%s\")", self);
	r = sc(NR_FSTATAT, fd, (long)"", (long)st2, AT_EMPTY_PATH, 0);
	ktap_ok(r == 0 && field(st2, ST_INO, 8) == ino, "fstatat(fd, \"\", AT_EMPTY_PATH)");
	ktap_ok(sc(NR_FSTATAT, AT_FDCWD, (long)"", (long)st2, 0, 0) == -ENOENT,
		"fstatat(AT_FDCWD, \"\", 0): ENOENT");
	ktap_ok(sc(NR_FSTATAT, AT_FDCWD, (long)self, (long)st2, 0x1, 0) == -EINVAL,
		"fstatat with unknown flags: EINVAL");
	ktap_ok(sc(NR_FSTATAT, fd, (long)"x", (long)st2, 0, 0) == -ENOTDIR,
		"fstatat relative to a file descriptor: ENOTDIR");
	ktap_ok(sc(NR_STAT, (long)abs, (long)BAD_PTR, 0, 0, 0) == -EFAULT, "stat to a bad buffer: EFAULT");

	/* ---- the directory ---- */
	ktap_ok(sys_read_(dfd, buf, 16) == -EISDIR, "read on a directory: EISDIR");
	ktap_ok(sc(NR_PREAD64, dfd, (long)buf, 16, 0, 0) == -EISDIR, "pread64 on a directory: EISDIR");
	r = sc(NR_GETDENTS64, dfd, (long)buf, sizeof(buf), 0, 0);
	bool shapes = true;
	ktap_ok(r > 0 && find_entry(buf, r, ".", &shapes) == DT_DIR &&
		find_entry(buf, r, "..", &shapes) == DT_DIR, "getdents64(\"/\") has . and .. (DT_DIR)");
	ktap_ok(r > 0 && find_entry(buf, r, self, &shapes) == DT_REG, "getdents64(\"/\") lists %s as DT_REG", self);
	ktap_ok(shapes && ((const struct dirent64 *)buf)->d_ino == 1, "getdents64 records: 8-aligned, . is inode 1");
	ktap_ok(sc(NR_GETDENTS64, dfd, (long)buf, sizeof(buf), 0, 0) == 0, "getdents64 at the end gives 0");
	ktap_ok(sys_lseek_(dfd, 0, SEEK_SET) == 0 && sc(NR_GETDENTS64, dfd, (long)buf, 24, 0, 0) == 24 &&
		!strcmp(((const struct dirent64 *)buf)->d_name, "."), "lseek(dir, 0) rewinds; one record fits 24 bytes");
	ktap_ok(sc(NR_GETDENTS64, dfd, (long)buf, 8, 0, 0) == -EINVAL, "getdents64 into 8 bytes: EINVAL");
	ktap_ok(sc(NR_GETDENTS64, dfd, (long)BAD_PTR, 4096, 0, 0) == -EFAULT, "getdents64 into a bad buffer: EFAULT");
	ktap_ok(sc(NR_GETDENTS64, fd, (long)buf, sizeof(buf), 0, 0) == -ENOTDIR, "getdents64 on a file: ENOTDIR");
	ktap_ok(sc(NR_GETDENTS64, 63, (long)buf, sizeof(buf), 0, 0) == -E_BADF, "getdents64 on a closed fd: EBADF");

	/* ---- openat ---- */
	r = sc(NR_OPENAT, dfd, (long)self, O_RDONLY, 0, 0);
	ktap_ok(r == 5, "openat(dirfd of /, \"%s\") = 5 (got %ld)", self, r);
	sys_close_(r);
	ktap_ok(sc(NR_OPENAT, fd, (long)"x", O_RDONLY, 0, 0) == -ENOTDIR, "openat relative to a file: ENOTDIR");
	ktap_ok(sc(NR_OPENAT, 60, (long)"x", O_RDONLY, 0, 0) == -E_BADF, "openat relative to a closed fd: EBADF");
	r = sc(NR_OPENAT, 60, (long)abs, O_RDONLY, 0, 0);
	ktap_ok(r == 5, "openat of an absolute path ignores dirfd");
	sys_close_(r);
	r = sc(NR_OPENAT, AT_FDCWD, (long)"./", O_RDONLY, 0, 0);
	ktap_ok(r == 5, "openat(AT_FDCWD, \"./\")");
	sys_close_(r);

	/* ---- open's errors ---- */
	ktap_ok(sys_open_("", O_RDONLY) == -ENOENT, "open(\"\"): ENOENT");
	ktap_ok(sys_open_("/no-such-file", O_RDONLY) == -ENOENT, "open of a missing file: ENOENT");
	ktap_ok(sys_open_("/no-such-dir/x", O_CREAT) == -ENOENT, "O_CREAT in a missing directory: ENOENT");
	snprintf(buf, sizeof(buf), "%s/", abs);
	ktap_ok(sys_open_(buf, O_RDONLY) == -ENOTDIR, "open(\"%s\"): ENOTDIR", buf);
	snprintf(buf, sizeof(buf), "%s/x", abs);
	ktap_ok(sys_open_(buf, O_RDONLY) == -ENOTDIR, "open(\"%s\"): ENOTDIR", buf);
	ktap_ok(sys_open_(self, O_RDONLY | O_DIRECTORY) == -ENOTDIR, "open of a file with O_DIRECTORY: ENOTDIR");
	memset(big, 'a', 256);
	big[256] = '\0';
	ktap_ok(sys_open_(big, O_RDONLY) == -ENAMETOOLONG, "a 256-byte component: ENAMETOOLONG");
	big[255] = '\0';
	ktap_ok(sys_open_(big, O_RDONLY) == -ENOENT, "a 255-byte component: ENOENT");
	for (int i = 0; i < 4096; i++)
		big[i] = '/';
	big[4096] = '\0';
	ktap_ok(sys_open_(big, O_RDONLY) == -ENAMETOOLONG, "a 4096-byte path: ENAMETOOLONG");
	big[4095] = '\0';
	r = sys_open_(big, O_RDONLY | O_DIRECTORY);
	ktap_ok(r == 5, "a 4095-byte path of slashes is the root");
	sys_close_(r);
	ktap_ok(sys_open_((const char *)BAD_PTR, O_RDONLY) == -EFAULT, "open of a bad path pointer: EFAULT");
	ktap_ok(sys_open_(NULL, O_RDONLY) == -EFAULT, "open(NULL): EFAULT");
	ktap_ok(sys_open_(self, O_WRONLY) == -EROFS, "O_WRONLY on a file: EROFS");
	ktap_ok(sys_open_(self, O_RDWR) == -EROFS, "O_RDWR on a file: EROFS");
	ktap_ok(sys_open_(self, O_RDONLY | O_TRUNC) == -EROFS, "O_TRUNC on a file: EROFS");
	ktap_ok(sys_open_("/new-file", O_WRONLY | O_CREAT) == -EROFS, "O_CREAT of a new file: EROFS");
	ktap_ok(sys_open_(self, O_RDONLY | O_CREAT | O_EXCL) == -EEXIST, "O_CREAT|O_EXCL of a file: EEXIST");
	ktap_ok(sys_open_("/", O_WRONLY) == -EISDIR, "O_WRONLY on a directory: EISDIR");
	r = sys_open_(self, O_RDONLY | O_CREAT);
	ktap_ok(r == 5, "O_CREAT without O_EXCL opens an existing file");
	sys_close_(r);

	/* ---- access, readlink, getcwd, chdir ---- */
	ktap_ok(sc(NR_ACCESS, (long)self, 4 | 1, 0, 0, 0) == 0, "access R_OK|X_OK");
	ktap_ok(sc(NR_ACCESS, (long)self, 2, 0, 0, 0) == -EROFS, "access W_OK: EROFS");
	ktap_ok(sc(NR_ACCESS, (long)"/nope", 0, 0, 0, 0) == -ENOENT, "access of a missing file: ENOENT");
	ktap_ok(sc(NR_READLINK, (long)self, (long)buf, 100, 0, 0) == -EINVAL, "readlink of a file: EINVAL");
	ktap_ok(sc(NR_READLINK, (long)"/nope", (long)buf, 100, 0, 0) == -ENOENT, "readlink of a missing file: ENOENT");
	r = sc(NR_GETCWD, (long)buf, sizeof(buf), 0, 0, 0);
	ktap_ok(r == 2 && !strcmp(buf, "/"), "getcwd is \"/\" (%ld)", r);
	ktap_ok(sc(NR_GETCWD, (long)buf, 1, 0, 0, 0) == -ERANGE, "getcwd into 1 byte: ERANGE");
	ktap_ok(sc(NR_CHDIR, (long)self, 0, 0, 0, 0) == -ENOTDIR && sc(NR_CHDIR, (long)"/..", 0, 0, 0, 0) == 0,
		"chdir to a file: ENOTDIR; to \"/..\": 0");

	/* ---- the console, fds 0-2 ---- */
	r = sc(NR_FSTAT, 1, (long)st2, 0, 0, 0);
	ktap_ok(r == 0 && (field(st2, ST_MODE, 4) & S_IFMT) == S_IFCHR, "fstat(1): a character device");
	ktap_ok(sys_read_(0, buf, 10) == 0, "read(0) gives end-of-file");
	ktap_ok(sc(NR_IOCTL, 1, TIOCGWINSZ, (long)buf, 0, 0) == 0, "ioctl(1, TIOCGWINSZ)");
	ktap_ok(sys_lseek_(1, 0, SEEK_SET) == -ESPIPE, "lseek on the console: ESPIPE");

	/* ---- descriptors: EBADF, dup, fcntl, EMFILE ---- */
	ktap_ok(sys_close_(fd) == 0 && sys_close_(fd) == -E_BADF, "close twice: EBADF");
	ktap_ok(sys_read_(fd, buf, 1) == -E_BADF && sc(NR_WRITE, fd, (long)"x", 1, 0, 0) == -E_BADF &&
		sc(NR_FSTAT, fd, (long)st, 0, 0, 0) == -E_BADF, "read, write, fstat of a closed fd: EBADF");
	ktap_ok(sys_read_(-1, buf, 1) == -E_BADF && sys_close_(1000) == -E_BADF &&
		sc(NR_IOCTL, 1000, TIOCGWINSZ, (long)buf, 0, 0) == -E_BADF, "fd -1 and 1000: EBADF");
	r = sc(NR_DUP, dfd, 0, 0, 0, 0);
	ktap_ok(r == 3, "dup takes the lowest free fd (3)");
	sys_close_(r);
	r = sys_open_(self, O_RDONLY | O_CLOEXEC);
	ktap_ok(r == 3 && sc(NR_FCNTL, r, F_GETFD, 0, 0, 0) == 1 && sc(NR_FCNTL, r, F_SETFD, 0, 0, 0) == 0 &&
		sc(NR_FCNTL, r, F_GETFD, 0, 0, 0) == 0, "O_CLOEXEC and F_GETFD/F_SETFD");
	sys_close_(r);
	int opened = 0;
	while ((r = sys_open_(self, O_RDONLY)) >= 0)
		opened++;
	/* 0, 1, 2 and the directory are open. */
	ktap_ok(r == -EMFILE && opened == FILES_MAX - 4, "open until the table is full: EMFILE after %d", opened);
	ktap_ok(sys_open_("/no-such-file", O_RDONLY) == -EMFILE, "a full table gives EMFILE before the lookup");
	for (int i = 5; i < FILES_MAX; i++)
		sys_close_(i);
	sys_close_(3);
	ktap_ok(sys_open_(self, O_RDONLY) == 3, "after closing, open takes 3 again");
	return ktap_done();
}
