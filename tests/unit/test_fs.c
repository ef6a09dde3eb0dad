/*
 * test_fs.c - kernel/fs/rofs.c: building the tree from module names, path resolution with
 * Linux's errors, getdents64 packing and getcwd's path.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "errno.h"
#include "fs.h"

static const char data_a[] = "AAAA", data_b[] = "BB", data_motd[] = "hello\n";

/* The tree most tests use: /hello, /musl_hello, /etc/motd, /etc/x/y, /a/b. */
static void setup(void)
{
	rofs_reset();
	ck_assert_int_eq(rofs_add("hello", data_a, 4), 0);
	ck_assert_int_eq(rofs_add("musl_hello", data_b, 2), 0);
	ck_assert_int_eq(rofs_add("etc/motd", data_motd, 6), 0);
	ck_assert_int_eq(rofs_add("/etc//x/y", data_b, 2), 0);
	ck_assert_int_eq(rofs_add("a/b", data_a, 4), 0);
}

/* Resolve path from cwd; return the error and the node (NULL on error). */
static int lookup(struct fs_node *cwd, const char *path, struct fs_node **node)
{
	struct fs_lookup l;
	int r = rofs_resolve(cwd, path, &l);
	if (r)
		ck_assert_ptr_null(l.node);
	*node = l.node;
	return r;
}

static struct fs_node *must(struct fs_node *cwd, const char *path)
{
	struct fs_node *n;
	int r = lookup(cwd, path, &n);
	ck_assert_msg(r == 0, "%s: %d", path, r);
	return n;
}

static int err(struct fs_node *cwd, const char *path)
{
	struct fs_node *n;
	return lookup(cwd, path, &n);
}

START_TEST(test_build)
{
	setup();
	struct fs_node *root = rofs_root();
	ck_assert(root->dir);
	ck_assert_uint_eq(root->ino, 1);
	ck_assert_ptr_eq(root->parent, root);
	ck_assert_uint_eq(root->nchildren, 4);
	ck_assert_uint_eq(root->nsubdirs, 2);
	struct fs_node *motd = must(root, "/etc/motd");
	ck_assert(!motd->dir);
	ck_assert_ptr_eq(motd->data, data_motd);
	ck_assert_uint_eq(motd->size, 6);
	ck_assert_str_eq(motd->name, "motd");
	ck_assert(must(root, "/etc")->dir);
	ck_assert(must(root, "/etc/x")->dir);

	/* Inode numbers are distinct and stable. */
	ck_assert_uint_ne(must(root, "/hello")->ino, must(root, "/musl_hello")->ino);
	ck_assert_uint_eq(must(root, "/hello")->ino, must(root, "hello")->ino);

	/* Names that cannot be added. */
	ck_assert_int_eq(rofs_add("hello", data_a, 1), -EEXIST);
	ck_assert_int_eq(rofs_add("etc", data_a, 1), -EEXIST);
	ck_assert_int_eq(rofs_add("hello/x", data_a, 1), -ENOTDIR);
	ck_assert_int_eq(rofs_add("", data_a, 1), -EINVAL);
	ck_assert_int_eq(rofs_add("///", data_a, 1), -EINVAL);
	ck_assert_int_eq(rofs_add("x/../y", data_a, 1), -EINVAL);
	ck_assert_int_eq(rofs_add(".", data_a, 1), -EINVAL);
	char longname[FS_NAME_LEN + 1];
	memset(longname, 'n', FS_NAME_LEN);
	longname[FS_NAME_LEN] = '\0';
	ck_assert_int_eq(rofs_add(longname, data_a, 1), -ENAMETOOLONG);
	longname[FS_NAME_LEN - 1] = '\0';
	ck_assert_int_eq(rofs_add(longname, data_a, 1), 0);
	ck_assert_ptr_nonnull(must(root, longname));
}
END_TEST

START_TEST(test_pool_full)
{
	rofs_reset();
	char name[16];
	int i, r = 0;
	for (i = 0; i < FS_MAX_NODES + 2 && !r; i++) {
		name[0] = 'f';
		name[1] = 'a' + i / 26 / 26 % 26;
		name[2] = 'a' + i / 26 % 26;
		name[3] = 'a' + i % 26;
		name[4] = '\0';
		r = rofs_add(name, data_a, 1);
	}
	ck_assert_int_eq(r, -ENOSPC);
	ck_assert_int_eq(i, FS_MAX_NODES);     /* the root plus FS_MAX_NODES - 1 files */
}
END_TEST

START_TEST(test_resolve)
{
	setup();
	struct fs_node *root = rofs_root(), *etc = must(root, "/etc");
	ck_assert_ptr_eq(must(root, "/"), root);
	ck_assert_ptr_eq(must(root, "///"), root);
	ck_assert_ptr_eq(must(root, "."), root);
	ck_assert_ptr_eq(must(root, ".."), root);
	ck_assert_ptr_eq(must(root, "/../../.."), root);
	ck_assert_ptr_eq(must(root, "etc/"), etc);
	ck_assert_ptr_eq(must(root, "etc//"), etc);
	ck_assert_ptr_eq(must(root, "//etc/./x/..//"), etc);
	ck_assert_ptr_eq(must(root, "etc/x/../../etc"), etc);
	ck_assert_ptr_eq(must(etc, "motd"), must(root, "/etc/motd"));
	ck_assert_ptr_eq(must(etc, "../hello"), must(root, "/hello"));
	ck_assert_ptr_eq(must(etc, "/hello"), must(root, "hello"));
	ck_assert_ptr_eq(must(etc, ".."), root);
	ck_assert_ptr_eq(must(NULL, "hello"), must(root, "/hello"));   /* no cwd: the root */
}
END_TEST

START_TEST(test_resolve_errors)
{
	setup();
	struct fs_node *root = rofs_root();
	ck_assert_int_eq(err(root, ""), -ENOENT);
	ck_assert_int_eq(err(root, "/nope"), -ENOENT);
	ck_assert_int_eq(err(root, "nope/x"), -ENOENT);
	ck_assert_int_eq(err(root, "/hello/"), -ENOTDIR);
	ck_assert_int_eq(err(root, "/hello/."), -ENOTDIR);
	ck_assert_int_eq(err(root, "/hello/.."), -ENOTDIR);
	ck_assert_int_eq(err(root, "/hello/x"), -ENOTDIR);
	ck_assert_int_eq(err(root, "/etc/motd/x/y"), -ENOTDIR);
	ck_assert_int_eq(err(root, "hell"), -ENOENT);
	ck_assert_int_eq(err(root, "helloo"), -ENOENT);

	/* Components: NAME_MAX fits (and is simply missing), one more does not. */
	char *p = malloc(PATH_MAX + 1);
	memset(p, 'a', NAME_MAX);
	p[NAME_MAX] = '\0';
	ck_assert_int_eq(err(root, p), -ENOENT);
	p[NAME_MAX] = 'a';
	p[NAME_MAX + 1] = '\0';
	ck_assert_int_eq(err(root, p), -ENAMETOOLONG);
	ck_assert_int_eq(err(root, "/nope/x"), -ENOENT);

	/* Whole paths: PATH_MAX - 1 bytes are resolved, PATH_MAX are too long. */
	for (int i = 0; i < PATH_MAX; i += 2)
		memcpy(p + i, "//", 2);
	memcpy(p + PATH_MAX - 6, "hello", 5);
	p[PATH_MAX - 1] = '\0';
	ck_assert_ptr_eq(must(root, p), must(root, "/hello"));
	p[PATH_MAX - 1] = '/';
	p[PATH_MAX] = '\0';
	ck_assert_int_eq(err(root, p), -ENAMETOOLONG);
	free(p);
}
END_TEST

START_TEST(test_resolve_parent)
{
	setup();
	struct fs_node *root = rofs_root(), *etc = must(root, "/etc");
	struct fs_lookup l;
	ck_assert_int_eq(rofs_resolve(root, "/etc/new", &l), -ENOENT);
	ck_assert_ptr_eq(l.parent, etc);
	ck_assert(!l.trailing_slash);
	ck_assert_int_eq(rofs_resolve(root, "/etc/new/", &l), -ENOENT);
	ck_assert_ptr_eq(l.parent, etc);
	ck_assert(l.trailing_slash);
	ck_assert_int_eq(rofs_resolve(root, "/nodir/new", &l), -ENOENT);
	ck_assert_ptr_null(l.parent);
	ck_assert_int_eq(rofs_resolve(root, "/etc/motd", &l), 0);
	ck_assert_ptr_eq(l.parent, etc);
}
END_TEST

/* Parse getdents64 records: names joined by ' ', types and inode numbers checked. */
static void walk(const u8 *buf, long n, char *names, size_t size)
{
	long at = 0;
	names[0] = '\0';
	while (at < n) {
		const struct linux_dirent64 *d = (const void *)(buf + at);
		ck_assert_uint_eq(d->d_reclen % 8, 0);
		ck_assert_uint_ge(d->d_reclen, 20);
		ck_assert_uint_le(at + d->d_reclen, n);
		ck_assert_uint_lt(19 + strlen(d->d_name), d->d_reclen);
		ck_assert(d->d_type == DT_DIR || d->d_type == DT_REG);
		ck_assert_uint_ne(d->d_ino, 0);
		if (names[0])
			strncat(names, " ", size - strlen(names) - 1);
		strncat(names, d->d_name, size - strlen(names) - 1);
		at += d->d_reclen;
	}
	ck_assert_int_eq(at, n);
}

START_TEST(test_getdents)
{
	setup();
	struct fs_node *root = rofs_root(), *etc = must(root, "/etc");
	u8 buf[4096];
	char names[256];
	u64 pos = 0;
	long n = rofs_getdents(root, &pos, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	walk(buf, n, names, sizeof(names));
	ck_assert_str_eq(names, ". .. hello musl_hello etc a");
	ck_assert_uint_eq(pos, 6);
	const struct linux_dirent64 *d = (const void *)buf;
	ck_assert_uint_eq(d->d_ino, 1);               /* "." of the root */
	ck_assert_int_eq(d->d_off, 1);
	ck_assert_uint_eq(d->d_type, DT_DIR);
	ck_assert_uint_eq(d->d_reclen, 24);
	d = (const void *)(buf + 24);
	ck_assert_uint_eq(d->d_ino, 1);               /* the root's ".." is itself */
	ck_assert_int_eq(d->d_off, 2);
	d = (const void *)(buf + 48);
	ck_assert_str_eq(d->d_name, "hello");
	ck_assert_uint_eq(d->d_type, DT_REG);
	ck_assert_uint_eq(d->d_reclen, 32);           /* 19 + 6, rounded up to 8 */
	ck_assert_int_eq(rofs_getdents(root, &pos, buf, sizeof(buf)), 0);   /* the end */

	/* A subdirectory: ".." is the root. */
	pos = 0;
	n = rofs_getdents(etc, &pos, buf, sizeof(buf));
	walk(buf, n, names, sizeof(names));
	ck_assert_str_eq(names, ". .. motd x");
	d = (const void *)(buf + 24);
	ck_assert_uint_eq(d->d_ino, 1);

	/* A small buffer: one record at a time, then -EINVAL if even one does not fit. */
	pos = 0;
	char all[256] = "";
	while ((n = rofs_getdents(root, &pos, buf, 32)) > 0) {
		walk(buf, n, names, sizeof(names));
		strcat(all, names);
		strcat(all, "|");
	}
	ck_assert_int_eq(n, 0);
	ck_assert_str_eq(all, ".|..|hello|musl_hello|etc|a|");
	pos = 2;
	ck_assert_int_eq(rofs_getdents(root, &pos, buf, 24), -EINVAL);   /* "hello" needs 32 */
	ck_assert_uint_eq(pos, 2);
	ck_assert_int_eq(rofs_getdents(root, &pos, buf, 0), -EINVAL);
}
END_TEST

START_TEST(test_path)
{
	setup();
	struct fs_node *root = rofs_root();
	char buf[64];
	ck_assert_int_eq(rofs_path(root, buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "/");
	ck_assert_int_eq(rofs_path(must(root, "/etc/x/y"), buf, sizeof(buf)), 9);
	ck_assert_str_eq(buf, "/etc/x/y");
	ck_assert_int_eq(rofs_path(must(root, "/etc/x/y"), buf, 9), 9);
	ck_assert_int_eq(rofs_path(must(root, "/etc/x/y"), buf, 8), -ERANGE);
	ck_assert_int_eq(rofs_path(root, buf, 1), -ERANGE);
	ck_assert_int_eq(rofs_path(root, buf, 0), -ERANGE);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("fs");
	TCase *tc = tcase_create("rofs");
	tcase_add_test(tc, test_build);
	tcase_add_test(tc, test_pool_full);
	tcase_add_test(tc, test_resolve);
	tcase_add_test(tc, test_resolve_errors);
	tcase_add_test(tc, test_resolve_parent);
	tcase_add_test(tc, test_getdents);
	tcase_add_test(tc, test_path);
	suite_add_tcase(s, tc);
	return s;
}
