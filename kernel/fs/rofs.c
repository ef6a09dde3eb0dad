/*
 * rofs.c - the read-only tree of the root file system: nodes from a static pool, path
 * resolution with Linux's errors, getdents64 records and getcwd's path.
 *
 * No hardware, no tasks, no user memory: this file is also compiled on the host and tested there
 * (tests/unit/test_fs.c). The tree is built once at boot from the boot modules (file.c) and is
 * never changed afterwards, so lookups need no lock.
 */
#include "types.h"
#include "errno.h"
#include "string.h"
#include "fs.h"

static struct fs_node nodes[FS_MAX_NODES];
static unsigned nnodes;

void rofs_reset(void)
{
	memset(nodes, 0, sizeof(nodes));
	nnodes = 1;
	nodes[0].name[0] = '/';
	nodes[0].dir = true;
	nodes[0].ino = 1;
	nodes[0].parent = &nodes[0];
}

struct fs_node *rofs_root(void)
{
	if (!nnodes)
		rofs_reset();
	return &nodes[0];
}

/* The child of dir called name[0, len), or NULL. */
static struct fs_node *find_child(struct fs_node *dir, const char *name, u64 len)
{
	if (len >= FS_NAME_LEN)
		return NULL;
	for (struct fs_node *c = dir->child; c; c = c->next)
		if (!strncmp(c->name, name, len) && !c->name[len])
			return c;
	return NULL;
}

/* A new node called name[0, len) at the end of dir's children, or NULL if the pool is full. */
static struct fs_node *new_child(struct fs_node *dir, const char *name, u64 len, bool is_dir)
{
	if (nnodes >= FS_MAX_NODES)
		return NULL;
	struct fs_node *n = &nodes[nnodes];
	memset(n, 0, sizeof(*n));
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->dir = is_dir;
	n->ino = ++nnodes;
	n->parent = dir;
	struct fs_node **pp = &dir->child;
	while (*pp)
		pp = &(*pp)->next;
	*pp = n;
	dir->nchildren++;
	if (is_dir)
		dir->nsubdirs++;
	return n;
}

/* The next component of *p: skips slashes, sets *len, leaves *p after it; NULL at the end. */
static const char *next_component(const char **p, u64 *len)
{
	const char *s = *p;
	while (*s == '/')
		s++;
	if (!*s)
		return NULL;
	const char *e = s;
	while (*e && *e != '/')
		e++;
	*len = e - s;
	*p = e;
	return s;
}

static bool only_slashes(const char *s)
{
	while (*s == '/')
		s++;
	return !*s;
}

int rofs_add(const char *path, const void *data, u64 size)
{
	struct fs_node *dir = rofs_root();
	const char *p = path;
	u64 len;
	const char *c = next_component(&p, &len);
	if (!c)
		return -EINVAL;
	for (;;) {
		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return -EINVAL;
		if (len >= FS_NAME_LEN)
			return -ENAMETOOLONG;
		struct fs_node *n = find_child(dir, c, len);
		if (only_slashes(p)) {
			if (n)
				return -EEXIST;
			n = new_child(dir, c, len, false);
			if (!n)
				return -ENOSPC;
			n->data = data;
			n->size = size;
			return 0;
		}
		if (!n)
			n = new_child(dir, c, len, true);
		if (!n)
			return -ENOSPC;
		if (!n->dir)
			return -ENOTDIR;
		dir = n;
		c = next_component(&p, &len);
	}
}

int rofs_resolve(struct fs_node *cwd, const char *path, struct fs_lookup *out)
{
	u64 plen = strnlen(path, PATH_MAX);
	out->node = NULL;
	out->parent = NULL;
	out->trailing_slash = false;
	if (plen >= PATH_MAX)
		return -ENAMETOOLONG;
	if (!plen)
		return -ENOENT;
	struct fs_node *cur = path[0] == '/' ? rofs_root() : (cwd ? cwd : rofs_root());
	const char *p = path;
	u64 len;
	const char *c;
	bool dots = false;            /* the last component was "." or ".." */
	while ((c = next_component(&p, &len))) {
		if (!cur->dir)
			return -ENOTDIR;
		bool last = only_slashes(p);
		dots = (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.');
		if (dots) {
			if (len == 2)
				cur = cur->parent;
			continue;
		}
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		struct fs_node *n = find_child(cur, c, len);
		if (!n) {
			if (last) {
				out->parent = cur;
				out->trailing_slash = *p == '/';
			}
			return -ENOENT;
		}
		cur = n;
	}
	out->trailing_slash = path[plen - 1] == '/' || dots;
	if (out->trailing_slash && !cur->dir)
		return -ENOTDIR;
	out->node = cur;
	out->parent = cur->parent;
	return 0;
}

/* Size of a getdents64 record for a name of len bytes: header, name, NUL, 8-aligned. */
static u64 dirent_size(u64 len)
{
	return ALIGN_UP(offsetof(struct linux_dirent64, d_name) + len + 1, 8);
}

long rofs_getdents(struct fs_node *dir, u64 *pos, void *buf, u64 len)
{
	u8 *out = buf;
	u64 used = 0;
	for (;;) {
		const char *name;
		u64 ino;
		u8 type = DT_DIR;
		if (*pos == 0) {
			name = ".";
			ino = dir->ino;
		} else if (*pos == 1) {
			name = "..";
			ino = dir->parent->ino;
		} else {
			struct fs_node *c = dir->child;
			for (u64 i = 2; c && i < *pos; i++)
				c = c->next;
			if (!c)
				break;
			name = c->name;
			ino = c->ino;
			type = c->dir ? DT_DIR : DT_REG;
		}
		u64 nlen = strlen(name);
		u64 rec = dirent_size(nlen);
		if (used + rec > len) {
			if (!used)
				return -EINVAL;
			break;
		}
		struct linux_dirent64 *d = (struct linux_dirent64 *)(out + used);
		memset(d, 0, rec);
		d->d_ino = ino;
		d->d_off = *pos + 1;
		d->d_reclen = rec;
		d->d_type = type;
		memcpy(d->d_name, name, nlen);
		used += rec;
		(*pos)++;
	}
	return used;
}

long rofs_path(struct fs_node *n, char *buf, u64 len)
{
	struct fs_node *root = rofs_root();
	u64 need = 1;                  /* the NUL; "/" for the root */
	for (struct fs_node *m = n; m != root; m = m->parent)
		need += 1 + strlen(m->name);
	if (n == root)
		need = 2;
	if (need > len)
		return -ERANGE;
	u64 at = need - 1;
	buf[at] = '\0';
	if (n == root)
		buf[0] = '/';
	for (struct fs_node *m = n; m != root; m = m->parent) {
		u64 l = strlen(m->name);
		at -= l;
		memcpy(buf + at, m->name, l);
		buf[--at] = '/';
	}
	return need;
}
