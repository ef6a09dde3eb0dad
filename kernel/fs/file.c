/*
 * file.c - open files, per-process descriptor tables and the Linux file system calls on the
 * read-only root file system (rofs.c), for both ABIs.
 *
 * A struct file is an open file description (position, flags), shared by the descriptors that
 * dup or fork make of it and freed with the last one. A struct files is a process's table of
 * descriptors plus its working directory. Errors are Linux's for a read-only file system: EROFS
 * for any open that could write a regular file, EISDIR for writing a directory, EBADF for
 * writing a file opened read-only.
 *
 * The file position is read and updated without a lock: two tasks that share one description
 * and read it at the same moment may read the same bytes (Linux serialises them with f_pos_lock).
 */
#include "types.h"
#include "errno.h"
#include "string.h"
#include "task.h"
#include "percpu.h"
#include "spinlock.h"
#include "boot.h"
#include "mm.h"
#include "memlayout.h"
#include "printk.h"
#include "syscalls.h"
#include "fs.h"
#include "signal.h"

#define O_ACCMODE   03
#define O_RDONLY    00
#define O_WRONLY    01
#define O_RDWR      02
#define O_CREAT     0100
#define O_EXCL      0200
#define O_NOCTTY    0400
#define O_TRUNC     01000
#define O_APPEND    02000
#define O_NONBLOCK  04000
#define O_LARGEFILE 0100000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW  0400000
#define O_CLOEXEC   02000000

#define AT_FDCWD            (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_NO_AUTOMOUNT     0x800
#define AT_EMPTY_PATH       0x1000
#define AT_STATX_SYNC_TYPE  0x6000

#define SEEK_SET  0
#define SEEK_CUR  1
#define SEEK_END  2
#define SEEK_DATA 3
#define SEEK_HOLE 4

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1

#define W_OK 2

#define S_IFIFO 0010000
#define S_IFCHR 0020000
#define S_IFDIR 0040000
#define S_IFREG 0100000

#define ROFS_DEV    0x0fd00                 /* st_dev of every rofs node */
#define CONSOLE_DEV 0x00006
#define CONSOLE_RDEV ((5 << 8) | 1)         /* /dev/console */
#define CONSOLE_INO 3
#define PIPE_DEV    0x0000c                 /* pipefs */

enum file_kind { FILE_CONSOLE, FILE_NODE, FILE_PIPE };

struct file {
	int refs;
	enum file_kind kind;
	struct fs_node *node;      /* FILE_NODE */
	struct pipe *pipe;         /* FILE_PIPE: the read end (O_RDONLY) or the write end (O_WRONLY) */
	u64 pos;                   /* bytes for a file, the next record for a directory */
	u32 flags;                 /* access mode and status flags (F_GETFL) */
};

struct files {
	int refs;
	spinlock_t lock;
	struct file *fd[FILES_MAX];
	u64 cloexec;               /* bit n: descriptor n is close-on-exec */
	struct fs_node *cwd;
};

_Static_assert(FILES_MAX <= 64, "cloexec is one u64");

/* ---- the tree from the boot modules ---------------------------------------------------------- */

static spinlock_t fs_init_lock = SPINLOCK_INIT;
static bool fs_ready;

/* Build the tree from the boot modules, once. */
static void fs_init(void)
{
	if (__atomic_load_n(&fs_ready, __ATOMIC_ACQUIRE))
		return;
	u64 f = spin_lock_irqsave(&fs_init_lock);
	if (!fs_ready) {
		rofs_reset();
		for (unsigned i = 0; i < boot_info.nmodules; i++) {
			const struct boot_module *m = &boot_info.modules[i];
			int r = rofs_add(m->name, phys_to_virt(m->start), m->end - m->start);
			if (r)
				pr_warn("rofs: module '%s' left out of the file system (%d)\n", m->name, r);
		}
		__atomic_store_n(&fs_ready, true, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&fs_init_lock, f);
}

int fs_lookup_file(const char *kpath, const void **data, u64 *size)
{
	fs_init();
	struct fs_lookup l;
	struct files *fs = current->files;
	int r = rofs_resolve(fs ? fs->cwd : rofs_root(), kpath, &l);
	if (r)
		return r;
	if (l.node->dir)
		return -EACCES;
	*data = l.node->data;
	*size = l.node->size;
	return 0;
}

/* ---- open files and descriptor tables -------------------------------------------------------- */

static struct file *file_new(enum file_kind kind, struct fs_node *node, u32 flags)
{
	struct file *f = kzalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->refs = 1;
	f->kind = kind;
	f->node = node;
	f->flags = flags;
	return f;
}

static void file_get(struct file *f) { __atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED); }

static void pipe_release(struct file *f);

static void file_put(struct file *f)
{
	if (f && !__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL)) {
		if (f->kind == FILE_PIPE)
			pipe_release(f);
		kfree(f);
	}
}

struct files *files_alloc(void)
{
	fs_init();
	struct files *fs = kzalloc(sizeof(*fs));
	struct file *con = file_new(FILE_CONSOLE, NULL, O_RDWR);
	if (!fs || !con) {
		kfree(fs);
		kfree(con);
		return NULL;
	}
	fs->refs = 1;
	fs->cwd = rofs_root();
	for (int i = 0; i < 3; i++) {
		if (i)
			file_get(con);
		fs->fd[i] = con;
	}
	return fs;
}

struct files *files_dup(struct files *old)
{
	struct files *fs = kzalloc(sizeof(*fs));
	if (!fs)
		return NULL;
	fs->refs = 1;
	u64 f = spin_lock_irqsave(&old->lock);
	for (int i = 0; i < FILES_MAX; i++) {
		fs->fd[i] = old->fd[i];
		if (fs->fd[i])
			file_get(fs->fd[i]);
	}
	fs->cloexec = old->cloexec;
	fs->cwd = old->cwd;
	spin_unlock_irqrestore(&old->lock, f);
	return fs;
}

void files_put(struct files *fs)
{
	if (!fs || __atomic_sub_fetch(&fs->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (int i = 0; i < FILES_MAX; i++)
		file_put(fs->fd[i]);
	kfree(fs);
}

void files_exec(struct files *fs)
{
	struct file *closed[FILES_MAX];
	unsigned n = 0;
	u64 f = spin_lock_irqsave(&fs->lock);
	for (int i = 0; i < FILES_MAX; i++) {
		if ((fs->cloexec & BIT(i)) && fs->fd[i]) {
			closed[n++] = fs->fd[i];
			fs->fd[i] = NULL;
		}
	}
	fs->cloexec = 0;
	spin_unlock_irqrestore(&fs->lock, f);
	while (n)
		file_put(closed[--n]);
}

/* The file open as fd in the current task, with a reference the caller drops; NULL if none. */
static struct file *fget(u64 fd)
{
	struct files *fs = current->files;
	if (!fs || fd >= FILES_MAX)
		return NULL;
	u64 f = spin_lock_irqsave(&fs->lock);
	struct file *file = fs->fd[fd];
	if (file)
		file_get(file);
	spin_unlock_irqrestore(&fs->lock, f);
	return file;
}

bool fd_is_open(u64 fd)
{
	struct file *f = fget(fd);
	file_put(f);
	return f != NULL;
}

bool fd_is_console(u64 fd)
{
	struct file *f = fget(fd);
	bool con = f && f->kind == FILE_CONSOLE;
	file_put(f);
	return con;
}

/*
 * Install file (whose reference passes to the table) at the lowest free descriptor >= min, or
 * exactly at `at` if at >= 0 (closing what was there). Returns the descriptor or -EMFILE; on
 * failure the reference is dropped.
 */
static long fd_install(struct file *file, int min, int at, bool cloexec)
{
	struct files *fs = current->files;
	struct file *old = NULL;
	long fd = -EMFILE;
	u64 f = spin_lock_irqsave(&fs->lock);
	if (at >= 0) {
		fd = at;
		old = fs->fd[at];
	} else {
		for (int i = min; i < FILES_MAX; i++) {
			if (!fs->fd[i]) {
				fd = i;
				break;
			}
		}
	}
	if (fd >= 0) {
		fs->fd[fd] = file;
		if (cloexec)
			fs->cloexec |= BIT(fd);
		else
			fs->cloexec &= ~BIT(fd);
	}
	spin_unlock_irqrestore(&fs->lock, f);
	file_put(old);
	if (fd < 0)
		file_put(file);
	return fd;
}

/* Whether the current task has a free descriptor (open fails with EMFILE before the lookup). */
static bool fd_available(void)
{
	struct files *fs = current->files;
	bool any = false;
	u64 f = spin_lock_irqsave(&fs->lock);
	for (int i = 0; i < FILES_MAX && !any; i++)
		any = !fs->fd[i];
	spin_unlock_irqrestore(&fs->lock, f);
	return any;
}

/* ---- paths from user space ------------------------------------------------------------------- */

/*
 * Copy the user path into a new PATH_MAX buffer (*out, kfree'd by the caller on success).
 * Returns 0, -EFAULT, -ENAMETOOLONG or -ENOMEM. The empty path is returned as is.
 */
static int get_path(u64 upath, char **out)
{
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	long n = strncpy_from_user(buf, (const char *)upath, PATH_MAX);
	int r = 0;
	if (n < 0 || (n < PATH_MAX && upath + n >= USER_TOP))   /* faulted, or ran into the end */
		r = -EFAULT;
	else if (n >= PATH_MAX)
		r = -ENAMETOOLONG;
	if (r) {
		kfree(buf);
		return r;
	}
	*out = buf;
	return 0;
}

/* The directory a path is resolved from: the root, cwd, or dirfd's directory. */
static int at_base(long dirfd, const char *path, struct fs_node **base)
{
	if (path[0] == '/') {
		*base = rofs_root();
		return 0;
	}
	if ((int)dirfd == AT_FDCWD) {
		*base = current->files->cwd;
		return 0;
	}
	struct file *f = fget((u32)dirfd);
	if (!f)
		return -EBADF;
	int r = 0;
	if (f->kind != FILE_NODE || !f->node->dir)
		r = -ENOTDIR;
	else
		*base = f->node;
	file_put(f);
	return r;
}

/* Resolve user path upath from dirfd (AT_FDCWD for the working directory). */
static int user_lookup(long dirfd, u64 upath, struct fs_lookup *l, bool *empty)
{
	char *path;
	int r = get_path(upath, &path);
	if (r)
		return r;
	if (empty)
		*empty = !path[0];
	struct fs_node *base;
	if (!path[0])
		r = empty ? 0 : -ENOENT;             /* before dirfd is looked at, as on Linux */
	else if (!(r = at_base(dirfd, path, &base)))
		r = rofs_resolve(base, path, l);
	kfree(path);
	return r;
}

/* ---- open, close, dup, fcntl ----------------------------------------------------------------- */

static long do_openat(long dirfd, u64 upath, u64 flags)
{
	char *path;
	int r = get_path(upath, &path);
	if (r)
		return r;
	struct fs_lookup l = { 0 };
	struct fs_node *base;
	if (!fd_available())
		r = -EMFILE;
	else if (!path[0])
		r = -ENOENT;
	else if (!(r = at_base(dirfd, path, &base)))
		r = rofs_resolve(base, path, &l);
	kfree(path);
	if (r == -ENOENT && (flags & O_CREAT) && l.parent)
		return l.trailing_slash ? -EISDIR : -EROFS;
	if (r)
		return r;
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	u32 acc = flags & O_ACCMODE;
	if (l.node->dir) {
		if ((flags & O_CREAT) || acc != O_RDONLY)
			return -EISDIR;
	} else {
		if (flags & O_DIRECTORY)
			return -ENOTDIR;
		if (acc != O_RDONLY || (flags & O_TRUNC))
			return -EROFS;
	}
	struct file *f = file_new(FILE_NODE, l.node, (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |
								  O_CLOEXEC)) | O_LARGEFILE);
	if (!f)
		return -ENOMEM;
	return fd_install(f, 0, -1, flags & O_CLOEXEC);
}

long sys_openat(u64 dirfd, u64 path, u64 flags, u64 mode)
{
	(void)mode;
	return do_openat((int)dirfd, path, (u32)flags);
}

long sys_open(u64 path, u64 flags, u64 mode)
{
	(void)mode;
	return do_openat(AT_FDCWD, path, (u32)flags);
}

long sys_close(u64 fd)
{
	struct files *fs = current->files;
	if (fd >= FILES_MAX)
		return -EBADF;
	u64 f = spin_lock_irqsave(&fs->lock);
	struct file *file = fs->fd[fd];
	fs->fd[fd] = NULL;
	fs->cloexec &= ~BIT(fd);
	spin_unlock_irqrestore(&fs->lock, f);
	if (!file)
		return -EBADF;
	file_put(file);
	return 0;
}

long sys_dup(u64 fd)
{
	struct file *f = fget((u32)fd);
	if (!f)
		return -EBADF;
	return fd_install(f, 0, -1, false);
}

long sys_dup3(u64 oldfd, u64 newfd, u64 flags)
{
	if ((flags & ~(u64)O_CLOEXEC) || (u32)oldfd == (u32)newfd)
		return -EINVAL;
	if ((u32)newfd >= FILES_MAX)
		return -EBADF;
	struct file *f = fget((u32)oldfd);
	if (!f)
		return -EBADF;
	return fd_install(f, 0, (u32)newfd, flags & O_CLOEXEC);
}

long sys_dup2(u64 oldfd, u64 newfd)
{
	if ((u32)oldfd == (u32)newfd)
		return fd_is_open((u32)oldfd) ? (long)(u32)newfd : -EBADF;
	return sys_dup3(oldfd, newfd, 0);
}

long sys_fcntl(u64 fd, u64 cmd, u64 arg)
{
	struct file *f = fget((u32)fd);
	if (!f)
		return -EBADF;
	struct files *fs = current->files;
	long r;
	switch ((u32)cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if ((u32)arg >= FILES_MAX) {
			r = -EINVAL;
			break;
		}
		file_get(f);
		r = fd_install(f, (u32)arg, -1, (u32)cmd == F_DUPFD_CLOEXEC);
		break;
	case F_GETFD:
		r = (__atomic_load_n(&fs->cloexec, __ATOMIC_RELAXED) >> (u32)fd) & 1 ? FD_CLOEXEC : 0;
		break;
	case F_SETFD: {
		u64 irq = spin_lock_irqsave(&fs->lock);
		if (arg & FD_CLOEXEC)
			fs->cloexec |= BIT((u32)fd);
		else
			fs->cloexec &= ~BIT((u32)fd);
		spin_unlock_irqrestore(&fs->lock, irq);
		r = 0;
		break;
	}
	case F_GETFL:
		r = f->flags;
		break;
	case F_SETFL:
		f->flags = (f->flags & ~(u32)(O_APPEND | O_NONBLOCK)) | ((u32)arg & (O_APPEND | O_NONBLOCK));
		r = 0;
		break;
	default:
		r = -EINVAL;
	}
	file_put(f);
	return r;
}

/* ---- pipes ---------------------------------------------------------------------------------- */

/*
 * A pipe: a 64 KiB ring (Linux's default capacity) shared by a read-end and a write-end file.
 * Writes of at most PIPE_BUF bytes are atomic. Readers and writers that must wait sleep on the
 * pipe (sched_wait_on) and every change wakes them all. The bookkeeping runs with IRQs off so no
 * wake-up falls between a check and the sleep; copies to and from user memory run with IRQs on
 * (one CPU, no kernel preemption: nobody else touches the ring meanwhile).
 */
#define PIPE_ORDER 4
#define PIPE_SIZE  (PAGE_SIZE << PIPE_ORDER)
#define PIPE_BUF   4096
#define O_DIRECT   040000

struct pipe {
	u8 *buf;
	u64 head, len;             /* the oldest byte, and how many there are */
	int readers, writers;      /* open files on each end */
	u64 ino;
};

static void pipe_release(struct file *f)
{
	struct pipe *p = f->pipe;
	u64 fl = irq_save();
	bool last;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	last = !p->readers && !p->writers;
	irq_restore(fl);
	sched_wake_all(p);                  /* end-of-file for readers, EPIPE for writers */
	if (last) {
		pmm_free(virt_to_phys(p->buf), PIPE_ORDER);
		kfree(p);
	}
}

/* Wait for the pipe to change; -EAGAIN for a non-blocking file, -ERESTARTSYS with a signal to
 * deliver.
 * Called with IRQs off (fl from irq_save) after the condition was found false. */
static long pipe_wait(struct file *f, u64 fl)
{
	long r = 0;
	if (f->flags & O_NONBLOCK)
		r = -EAGAIN;
	else if (signal_pending_deliverable(current))
		r = syscall_restartable();
	else
		sched_wait_on(f->pipe);
	irq_restore(fl);
	return r;
}

static long pipe_read(struct file *f, u64 ubuf, u64 count)
{
	struct pipe *p = f->pipe;
	if (!count)
		return 0;
	for (;;) {
		u64 fl = irq_save();
		if (p->len) {
			irq_restore(fl);
			break;
		}
		if (!p->writers) {
			irq_restore(fl);
			return 0;                   /* end of file */
		}
		long r = pipe_wait(f, fl);
		if (r)
			return r;
	}
	u64 n = MIN(count, p->len), done = 0;
	while (done < n) {
		u64 at = (p->head + done) % PIPE_SIZE, chunk = MIN(n - done, PIPE_SIZE - at);
		u64 left = copy_to_user((void *)(ubuf + done), p->buf + at, chunk);
		done += chunk - left;
		if (left)
			break;
	}
	if (!done)
		return -EFAULT;
	p->head = (p->head + done) % PIPE_SIZE;
	p->len -= done;
	sched_wake_all(p);
	return done;
}

static long pipe_write(struct file *f, u64 ubuf, u64 count)
{
	struct pipe *p = f->pipe;
	u64 done = 0;
	while (done < count) {
		u64 fl = irq_save();
		if (!p->readers) {
			irq_restore(fl);
			signal_send(current, &(struct ksiginfo){ .signo = SIGPIPE, .code = SI_USER, .pid = current->pid });
			return done ? (long)done : -EPIPE;
		}
		u64 space = PIPE_SIZE - p->len, want = count - done;
		if (!space || (want <= PIPE_BUF && space < want)) {   /* small writes are atomic */
			long r = pipe_wait(f, fl);
			if (r)
				return done ? (long)done : r;
			continue;
		}
		irq_restore(fl);
		u64 n = MIN(space, want), copied = 0;
		while (copied < n) {
			u64 at = (p->head + p->len + copied) % PIPE_SIZE, chunk = MIN(n - copied, PIPE_SIZE - at);
			u64 left = copy_from_user(p->buf + at, (const void *)(ubuf + done + copied), chunk);
			copied += chunk - left;
			if (left)
				break;
		}
		p->len += copied;
		done += copied;
		sched_wake_all(p);
		if (copied < n)
			return done ? (long)done : -EFAULT;
	}
	return done;
}

bool fd_is_writable(u64 fd)
{
	struct file *f = fget(fd);
	bool w = f && (f->kind == FILE_CONSOLE || (f->kind == FILE_PIPE && (f->flags & O_ACCMODE) == O_WRONLY));
	file_put(f);
	return w;
}

long fd_write(u64 fd, u64 ubuf, u64 count)
{
	struct file *f = fget(fd);
	long r = -EBADF;
	if (f && f->kind == FILE_PIPE && (f->flags & O_ACCMODE) == O_WRONLY)
		r = access_ok((const void *)ubuf, count) ? pipe_write(f, ubuf, count) : -EFAULT;
	file_put(f);
	return r;
}

/* pipe2: two descriptors, fds[0] reading and fds[1] writing one new pipe. */
long sys_pipe2(u64 ufds, u64 flags)
{
	static u64 next_ino = 1;
	if (flags & ~(u64)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	struct pipe *p = kzalloc(sizeof(*p));
	struct file *r = file_new(FILE_PIPE, NULL, O_RDONLY | (flags & O_NONBLOCK));
	struct file *w = file_new(FILE_PIPE, NULL, O_WRONLY | (flags & O_NONBLOCK));
	u8 *buf = alloc_pages_virt(PIPE_ORDER);
	if (!p || !r || !w || !buf) {
		kfree(p);
		kfree(r);
		kfree(w);
		if (buf)
			pmm_free(virt_to_phys(buf), PIPE_ORDER);
		return -ENFILE;
	}
	p->buf = buf;
	p->readers = p->writers = 1;
	p->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	r->pipe = w->pipe = p;
	long rfd = fd_install(r, 0, -1, flags & O_CLOEXEC);
	if (rfd < 0) {
		file_put(w);
		return rfd;
	}
	long wfd = fd_install(w, 0, -1, flags & O_CLOEXEC);
	if (wfd < 0) {
		sys_close(rfd);
		return wfd;
	}
	int fds[2] = { (int)rfd, (int)wfd };
	if (copy_to_user((void *)ufds, fds, sizeof(fds))) {
		sys_close(rfd);
		sys_close(wfd);
		return -EFAULT;
	}
	return 0;
}

long sys_pipe(u64 ufds) { return sys_pipe2(ufds, 0); }

/* ---- reading --------------------------------------------------------------------------------- */

/* Read up to count bytes of f at *pos into user memory, advancing *pos. */
static long file_read(struct file *f, u64 ubuf, u64 count, u64 *pos)
{
	if (!access_ok((const void *)ubuf, count))
		return -EFAULT;
	if (f->kind == FILE_CONSOLE)
		return 0;                           /* no keyboard: stdin is at end-of-file */
	if (f->kind == FILE_PIPE)
		return pipe_read(f, ubuf, count);
	struct fs_node *n = f->node;
	if (n->dir)
		return -EISDIR;
	if (*pos >= n->size || !count)
		return 0;
	u64 len = MIN(count, n->size - *pos);
	u64 done = len - copy_to_user((void *)ubuf, (const u8 *)n->data + *pos, len);
	if (!done)
		return -EFAULT;
	*pos += done;
	return done;
}

long sys_read(u64 fd, u64 buf, u64 count)
{
	struct file *f = fget((u32)fd);
	if (!f)
		return -EBADF;
	long r = (f->flags & O_ACCMODE) == O_WRONLY ? -EBADF : file_read(f, buf, count, &f->pos);
	file_put(f);
	return r;
}

static long do_pread(u64 fd, u64 buf, u64 count, s64 pos)
{
	if (pos < 0)
		return -EINVAL;
	struct file *f = fget((u32)fd);
	if (!f)
		return -EBADF;
	u64 p = pos;
	long r = f->kind != FILE_NODE ? -ESPIPE : file_read(f, buf, count, &p);
	file_put(f);
	return r;
}

long sys_pread64(u64 fd, u64 buf, u64 count, u64 pos) { return do_pread(fd, buf, count, pos); }

/* i386: the 64-bit offset comes in two registers, low word first. */
long compat_sys_pread64(u64 fd, u64 buf, u64 count, u64 lo, u64 hi)
{
	return do_pread(fd, (u32)buf, (u32)count, (s64)(((u64)(u32)hi << 32) | (u32)lo));
}

struct iovec64 { u64 base, len; };
struct iovec32 { u32 base, len; };

#define IOV_MAX 1024

/* The i-th vector of a user iovec array of either ABI. */
static int get_iov(u64 uiov, u64 i, bool compat, struct iovec64 *v)
{
	if (compat) {
		struct iovec32 v32;
		if (copy_from_user(&v32, (const void *)(uiov + i * sizeof(v32)), sizeof(v32)))
			return -EFAULT;
		v->base = v32.base;
		v->len = v32.len;
		return 0;
	}
	return copy_from_user(v, (const void *)(uiov + i * sizeof(*v)), sizeof(*v)) ? -EFAULT : 0;
}

static long readv_common(u64 fd, u64 uiov, u64 cnt, bool compat)
{
	struct file *f = fget((u32)fd);
	if (!f)
		return -EBADF;
	long r = 0, done = 0;
	u64 total = 0;
	struct iovec64 v;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		r = -EBADF;
	else if (cnt > IOV_MAX)
		r = -EINVAL;
	/* Validate every vector first, as Linux does, then read. */
	for (u64 i = 0; !r && i < cnt; i++) {
		r = get_iov(uiov, i, compat, &v);
		if (!r && ((s64)v.len < 0 || total + v.len < total))
			r = -EINVAL;
		total += v.len;
	}
	for (u64 i = 0; !r && i < cnt; i++) {
		get_iov(uiov, i, compat, &v);
		if (!v.len)
			continue;
		long n = file_read(f, v.base, v.len, &f->pos);
		if (n < 0) {
			r = done ? 0 : n;
			break;
		}
		done += n;
		if ((u64)n < v.len)
			break;
	}
	file_put(f);
	return r ? r : done;
}

long sys_readv(u64 fd, u64 iov, u64 cnt) { return readv_common(fd, iov, cnt, false); }
long compat_sys_readv(u64 fd, u64 iov, u64 cnt) { return readv_common(fd, (u32)iov, cnt, true); }

/* ---- seeking --------------------------------------------------------------------------------- */

/* The new position of f for lseek(offset, whence), or -errno; does not move f. */
static s64 seek_to(struct file *f, s64 off, u64 whence)
{
	if (f->kind != FILE_NODE)
		return -ESPIPE;
	s64 base;
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = f->pos;
		break;
	case SEEK_END:
	case SEEK_DATA:
	case SEEK_HOLE:
		if (f->node->dir)
			return -EINVAL;
		if (whence == SEEK_END) {
			base = f->node->size;
			break;
		}
		if (off < 0 || (u64)off >= f->node->size)
			return -ENXIO;
		return whence == SEEK_DATA ? off : (s64)f->node->size;
	default:
		return -EINVAL;
	}
	s64 to;
	if (__builtin_add_overflow(base, off, &to) || to < 0)
		return -EINVAL;
	return to;
}

long sys_lseek(u64 fd, u64 off, u64 whence)
{
	struct file *f = fget((u32)fd);
	if (!f)
		return -EBADF;
	s64 to = seek_to(f, off, (u32)whence);
	if (to >= 0)
		f->pos = to;
	file_put(f);
	return to;
}

/* i386 lseek: a 32-bit signed offset, and EOVERFLOW for a result beyond it. */
long compat_sys_lseek(u64 fd, u64 off, u64 whence)
{
	struct file *f = fget((u32)fd);
	if (!f)
		return -EBADF;
	s64 to = seek_to(f, (s32)off, (u32)whence);
	if (to > 0x7fffffff)
		to = -EOVERFLOW;
	if (to >= 0)
		f->pos = to;
	file_put(f);
	return to;
}

/* i386 _llseek(fd, offset_high, offset_low, loff_t *result, whence). */
long compat_sys_llseek(u64 fd, u64 hi, u64 lo, u64 uresult, u64 whence)
{
	struct file *f = fget((u32)fd);
	if (!f)
		return -EBADF;
	s64 to = seek_to(f, (s64)(((u64)(u32)hi << 32) | (u32)lo), (u32)whence);
	if (to >= 0) {
		if (copy_to_user((void *)(u64)(u32)uresult, &to, sizeof(to))) {
			to = -EFAULT;
		} else {
			f->pos = to;
			to = 0;
		}
	}
	file_put(f);
	return to;
}

/* ---- directories ----------------------------------------------------------------------------- */

long sys_getdents64(u64 fd, u64 udirp, u64 count)
{
	struct file *f = fget((u32)fd);
	if (!f)
		return -EBADF;
	long r = 0;
	u64 done = 0;
	u8 chunk[512];
	if (f->kind != FILE_NODE || !f->node->dir)
		r = -ENOTDIR;
	else if (!access_ok((const void *)udirp, count))
		r = -EFAULT;
	while (!r && done < count) {
		u64 save = f->pos;
		long n = rofs_getdents(f->node, &f->pos, chunk, MIN(sizeof(chunk), count - done));
		if (n <= 0) {
			r = done ? 0 : n;
			break;
		}
		if (copy_to_user((void *)(udirp + done), chunk, n)) {
			f->pos = save;
			r = -EFAULT;
			break;
		}
		done += n;
	}
	file_put(f);
	return r ? r : (long)done;
}

long sys_getcwd(u64 ubuf, u64 size)
{
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	long r = rofs_path(current->files->cwd, buf, MIN(size, (u64)PATH_MAX));
	if (r > 0 && copy_to_user((void *)ubuf, buf, r))
		r = -EFAULT;
	kfree(buf);
	return r;
}

long sys_chdir(u64 upath)
{
	struct fs_lookup l;
	int r = user_lookup(AT_FDCWD, upath, &l, NULL);
	if (r)
		return r;
	if (!l.node->dir)
		return -ENOTDIR;
	current->files->cwd = l.node;
	return 0;
}

long sys_fchdir(u64 fd)
{
	struct file *f = fget((u32)fd);
	if (!f)
		return -EBADF;
	long r = 0;
	if (f->kind != FILE_NODE || !f->node->dir)
		r = -ENOTDIR;
	else
		current->files->cwd = f->node;
	file_put(f);
	return r;
}

/* ---- stat, access, readlink ------------------------------------------------------------------ */

/* What stat reports, in neither ABI's layout. */
struct kstat {
	u64 dev, ino, nlink, rdev, size, blocks;
	u32 mode;
};

static void node_stat(struct fs_node *n, struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	st->dev = ROFS_DEV;
	st->ino = n->ino;
	st->mode = (n->dir ? S_IFDIR : S_IFREG) | 0555;
	st->nlink = n->dir ? 2 + n->nsubdirs : 1;
	st->size = n->dir ? 0 : n->size;
	st->blocks = ALIGN_UP(st->size, 512) / 512;
}

static void file_stat(struct file *f, struct kstat *st)
{
	if (f->kind == FILE_NODE) {
		node_stat(f->node, st);
		return;
	}
	memset(st, 0, sizeof(*st));
	if (f->kind == FILE_PIPE) {
		st->dev = PIPE_DEV;
		st->ino = f->pipe->ino;
		st->mode = S_IFIFO | 0600;
		st->nlink = 1;
		return;
	}
	st->dev = CONSOLE_DEV;
	st->ino = CONSOLE_INO;
	st->mode = S_IFCHR | 0620;
	st->nlink = 1;
	st->rdev = CONSOLE_RDEV;
}

/* x86-64 struct stat (arch/x86/include/uapi/asm/stat.h). */
struct stat64_x86_64 {
	u64 st_dev, st_ino, st_nlink;
	u32 st_mode, st_uid, st_gid, __pad0;
	u64 st_rdev;
	s64 st_size, st_blksize, st_blocks;
	u64 st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
	s64 reserved[3];
};
_Static_assert(sizeof(struct stat64_x86_64) == 144, "struct stat is 144 bytes");

/* i386 struct stat64: 4-byte aligned 64-bit fields, hence packed here. */
struct stat64_i386 {
	u64 st_dev;
	u8 __pad0[4];
	u32 __st_ino;
	u32 st_mode, st_nlink, st_uid, st_gid;
	u64 st_rdev;
	u8 __pad3[4];
	s64 st_size;
	u32 st_blksize;
	u64 st_blocks;
	u32 st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
	u64 st_ino;
} __attribute__((packed));
_Static_assert(sizeof(struct stat64_i386) == 96, "i386 struct stat64 is 96 bytes");
_Static_assert(offsetof(struct stat64_i386, st_size) == 44, "i386 st_size at 44");
_Static_assert(offsetof(struct stat64_i386, st_ino) == 88, "i386 st_ino at 88");

/* Copy st to user memory in the x86-64 layout, or the i386 stat64 one if compat. */
static long put_stat(const struct kstat *st, u64 ubuf, bool compat)
{
	if (compat) {
		struct stat64_i386 s;
		memset(&s, 0, sizeof(s));
		s.st_dev = st->dev;
		s.__st_ino = (u32)st->ino;
		s.st_ino = st->ino;
		s.st_mode = st->mode;
		s.st_nlink = st->nlink;
		s.st_rdev = st->rdev;
		s.st_size = st->size;
		s.st_blksize = 4096;
		s.st_blocks = st->blocks;
		return copy_to_user((void *)(u64)(u32)ubuf, &s, sizeof(s)) ? -EFAULT : 0;
	}
	struct stat64_x86_64 s;
	memset(&s, 0, sizeof(s));
	s.st_dev = st->dev;
	s.st_ino = st->ino;
	s.st_nlink = st->nlink;
	s.st_mode = st->mode;
	s.st_rdev = st->rdev;
	s.st_size = st->size;
	s.st_blksize = 4096;
	s.st_blocks = st->blocks;
	return copy_to_user((void *)ubuf, &s, sizeof(s)) ? -EFAULT : 0;
}

static long do_fstat(u64 fd, u64 ubuf, bool compat)
{
	struct file *f = fget((u32)fd);
	if (!f)
		return -EBADF;
	struct kstat st;
	file_stat(f, &st);
	file_put(f);
	return put_stat(&st, ubuf, compat);
}

static long do_fstatat(long dirfd, u64 upath, u64 ubuf, u64 flags, bool compat)
{
	if (flags & ~(u64)(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	struct fs_lookup l;
	bool empty;
	int r = user_lookup(dirfd, upath, &l, &empty);
	if (r)
		return r;
	if (empty) {
		if (!(flags & AT_EMPTY_PATH))
			return -ENOENT;
		if ((int)dirfd != AT_FDCWD)
			return do_fstat((u32)dirfd, ubuf, compat);
		l.node = current->files->cwd;
	}
	struct kstat st;
	node_stat(l.node, &st);
	return put_stat(&st, ubuf, compat);
}

long sys_fstat(u64 fd, u64 st) { return do_fstat(fd, st, false); }
long sys_stat(u64 path, u64 st) { return do_fstatat(AT_FDCWD, path, st, 0, false); }
long sys_newfstatat(u64 dirfd, u64 path, u64 st, u64 flags) { return do_fstatat((int)dirfd, path, st, flags, false); }
long compat_sys_fstat64(u64 fd, u64 st) { return do_fstat(fd, st, true); }
long compat_sys_stat64(u64 path, u64 st) { return do_fstatat(AT_FDCWD, (u32)path, st, 0, true); }
long compat_sys_fstatat64(u64 dirfd, u64 path, u64 st, u64 flags)
{
	return do_fstatat((int)dirfd, (u32)path, st, flags, true);
}

long sys_faccessat(u64 dirfd, u64 upath, u64 mode)
{
	if (mode & ~7ULL)
		return -EINVAL;
	struct fs_lookup l;
	int r = user_lookup((int)dirfd, upath, &l, NULL);
	if (r)
		return r;
	return (mode & W_OK) ? -EROFS : 0;
}

long sys_access(u64 path, u64 mode) { return sys_faccessat((u64)(s64)AT_FDCWD, path, mode); }

/* No symbolic links: every existing path gives EINVAL. */
long sys_readlinkat(u64 dirfd, u64 upath, u64 ubuf, u64 size)
{
	(void)ubuf;
	if ((int)size <= 0)
		return -EINVAL;
	struct fs_lookup l;
	int r = user_lookup((int)dirfd, upath, &l, NULL);
	return r ? r : -EINVAL;
}

long sys_readlink(u64 path, u64 buf, u64 size) { return sys_readlinkat((u64)(s64)AT_FDCWD, path, buf, size); }
