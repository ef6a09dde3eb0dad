/*
 * The read-only root file system made of the GRUB boot modules (kernel/fs/rofs.c) and the
 * per-process file descriptors on top of it (kernel/fs/file.c).
 *
 * rofs.c is plain data-structure code that also compiles on the host (tests/unit/test_fs.c): the
 * tree, path resolution, getdents64 packing and getcwd's path. file.c holds everything that
 * touches tasks, user memory and the boot modules.
 */
#ifndef PORTCULLIS_FS_H
#define PORTCULLIS_FS_H

#include "types.h"

#define PATH_MAX   4096        /* with the terminating NUL, as Linux counts it */
#define NAME_MAX   255
#define FS_MAX_NODES 256       /* files and directories, the root included */
#define FS_NAME_LEN  64        /* a component is at most a whole module name (boot.h) */
#define FILES_MAX    64        /* descriptors per process: open beyond fails with EMFILE */

/* A file or directory of the tree. Nodes are never freed: the tree is built once at boot. */
struct fs_node {
	char name[FS_NAME_LEN];
	bool dir;
	u64 ino;                   /* stable: the root is 1, then creation order */
	struct fs_node *parent;    /* the root is its own parent */
	struct fs_node *child;     /* first child (directories), in creation order */
	struct fs_node *next;      /* next sibling */
	unsigned nchildren, nsubdirs;
	const void *data;          /* a file's bytes (kernel pointer) and length */
	u64 size;
};

/* ---- rofs.c (host-testable) ---------------------------------------------------------------- */

/* Forget the whole tree and start again with an empty root directory. */
void rofs_reset(void);

/* The root directory "/". */
struct fs_node *rofs_root(void);

/*
 * Add the regular file `path` (relative to the root, '/' separates directories, which are
 * created as needed; leading and repeated slashes are ignored) with the given bytes. Returns 0,
 * -EINVAL for an empty name, "." or "..", -ENAMETOOLONG for a component that does not fit,
 * -EEXIST if the name is taken, -ENOTDIR if a directory on the way is a file, -ENOSPC when the
 * node pool is full.
 */
int rofs_add(const char *path, const void *data, u64 size);

/* What rofs_resolve found. */
struct fs_lookup {
	struct fs_node *node;      /* the node, or NULL if the last component is missing */
	struct fs_node *parent;    /* the directory the last component was looked up in */
	bool trailing_slash;       /* the path ends in '/' (or "/." or "/..") */
};

/*
 * Resolve the NUL-terminated kernel string `path` as Linux does: absolute from the root,
 * otherwise from `cwd`; repeated slashes, "." and ".." (the root's ".." is the root) are
 * handled, and a trailing slash requires a directory. Returns 0 with out->node set; -ENOENT
 * with out->node NULL and out->parent set if only the last component is missing (so that
 * O_CREAT can tell ENOENT from EROFS); -ENOENT for the empty path or a missing directory on
 * the way; -ENOTDIR if a component on the way (or a file with a trailing slash) is not a
 * directory; -ENAMETOOLONG for a component longer than NAME_MAX or a path of PATH_MAX bytes or
 * more.
 */
int rofs_resolve(struct fs_node *cwd, const char *path, struct fs_lookup *out);

/* Layout of one getdents64 record (include/linux/dirent.h); the name follows, NUL-terminated. */
struct linux_dirent64 {
	u64 d_ino;
	s64 d_off;                 /* position of the next record */
	u16 d_reclen;              /* 8-aligned */
	u8 d_type;
	char d_name[];
} __attribute__((packed));

#define DT_CHR 2
#define DT_DIR 4
#define DT_REG 8

/*
 * Pack getdents64 records of directory `dir` into buf[0, len), starting at position *pos
 * (0 is ".", 1 is "..", 2 + i the i-th child) and advancing it past every record packed.
 * Returns the bytes used (0 at the end of the directory), or -EINVAL if the next record does
 * not fit in an empty buffer.
 */
long rofs_getdents(struct fs_node *dir, u64 *pos, void *buf, u64 len);

/*
 * Write the absolute path of `n` ("/" for the root, no trailing slash otherwise) to buf[0, len)
 * with its NUL. Returns the length with the NUL, or -ERANGE if it does not fit.
 */
long rofs_path(struct fs_node *n, char *buf, u64 len);

/* ---- file.c -------------------------------------------------------------------------------- */

/* A process's descriptor table and working directory (file.c), shared by reference. */
struct files;

/*
 * A new table with fds 0, 1 and 2 open on the console (0 reads end-of-file, 1 and 2 write to
 * the console), the working directory "/" and one reference; NULL when out of memory. The file
 * system is built from the boot modules on first use.
 */
struct files *files_alloc(void);

/* A copy of f for a new process (fork): the same open files, each gaining a reference. */
struct files *files_dup(struct files *f);

/* Drop a reference to f; the last one closes every descriptor and frees it. NULL is ignored. */
void files_put(struct files *f);

/* execve: close every close-on-exec descriptor of f. */
void files_exec(struct files *f);

/*
 * The bytes of the regular file at kernel path `kpath` (relative paths from the current task's
 * working directory, or "/" for a task without descriptors), through the
 * direct map: 0 with *data and *size set, or -errno as open(2) would give it (-EACCES for a
 * directory, as execve does).
 */
int fs_lookup_file(const char *kpath, const void **data, u64 *size);

/* Whether fd of the current task is open on the console (sys_write's and ioctl's question). */
bool fd_is_console(u64 fd);

/* Whether fd of the current task is open at all. */
bool fd_is_open(u64 fd);

/* Whether write(2) may write to fd of the current task: the console, or a pipe's write end. */
bool fd_is_writable(u64 fd);

/* write(2) to a descriptor that is not the console (a pipe): bytes written or -errno (-EBADF if
 * not open for writing, -EPIPE and SIGPIPE without readers, -EAGAIN, -EINTR, -EFAULT). */
long fd_write(u64 fd, u64 ubuf, u64 count);

#endif
