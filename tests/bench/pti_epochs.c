/*
 * pti_epochs.c - a QEMU TCG plugin for tests/bench/tcg-profile: what a guest touches between two
 * CR3 writes.
 *
 * Under TCG every MOV to CR3 (with paging on) empties QEMU's software TLB and its per-CPU jump
 * cache. Everything executed until the next CR3 write therefore pays, once per "epoch":
 *   - a TLB fill (a guest page walk plus tlb_set_page) for every distinct code page and every
 *     distinct data page it touches, and
 *   - a hash-table lookup (jump cache miss) for every distinct translation block reached through
 *     the main loop or an indirect/cross-page jump.
 * This plugin cuts the execution into epochs at each MOV to CR3 and, per epoch, counts the
 * instructions, executed and distinct translation blocks, distinct code pages and distinct data
 * pages (guest virtual, 4 KiB). At exit it writes the most frequent epoch shapes with their page
 * and block lists (the steady state of a round-trip loop shows up as the top entries).
 *
 * Arguments: out=FILE (default: QEMU's log), top=N (shapes to list, default 6).
 *
 * Build: gcc -shared -fPIC -O2 -o pti_epochs.so pti_epochs.c (no QEMU headers needed: the few
 * declarations of QEMU's plugin API used here are below; they are unchanged from API version 2,
 * QEMU 8.x, to version 4, QEMU 10.0).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the subset of include/qemu/qemu-plugin.h used here ---- */
typedef uint64_t qemu_plugin_id_t;
typedef uint32_t qemu_plugin_meminfo_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t {
	const char *target_name;
	struct { int min, cur; } version;
	bool system_emulation;
	union { struct { int smp_vcpus, max_vcpus; } system; };
} qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int, void *);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t, void *);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int, qemu_plugin_meminfo_t, uint64_t, void *);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, qemu_plugin_vcpu_tb_trans_cb_t);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *, qemu_plugin_vcpu_udata_cb_t,
					  enum qemu_plugin_cb_flags, void *);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *,
					    qemu_plugin_vcpu_udata_cb_t,
					    enum qemu_plugin_cb_flags, void *);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *, qemu_plugin_vcpu_mem_cb_t,
				      enum qemu_plugin_cb_flags, enum qemu_plugin_mem_rw, void *);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, qemu_plugin_udata_cb_t, void *);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *);
char *qemu_plugin_insn_disas(const struct qemu_plugin_insn *);
bool qemu_plugin_mem_is_store(qemu_plugin_meminfo_t);
void qemu_plugin_outs(const char *);
__attribute__((visibility("default"))) int qemu_plugin_version = 2;
/* ---- end of the API subset ---- */

#define PAGE(a)     ((a) & ~0xfffULL)
#define MAX_SET     512
#define MAX_SHAPES  4096

struct tbinfo {
	uint64_t vaddr, last_page;
	unsigned n_insns;
};

/* A set of up to MAX_SET values: open addressing, emptied in O(1) by bumping the generation. */
#define SET_SLOTS   1024
struct set {
	unsigned n;
	uint32_t gen;
	uint32_t slot_gen[SET_SLOTS];
	uint64_t key[SET_SLOTS];
	uint64_t v[MAX_SET];                /* in order of first touch */
	unsigned char flags[MAX_SET];       /* data pages: 1 = read, 2 = written */
	unsigned short idx[SET_SLOTS];
};

static void set_clear(struct set *s)
{
	s->n = 0;
	s->gen++;
}

static void set_add(struct set *s, uint64_t v, unsigned char flag)
{
	unsigned h = (unsigned)((v >> 12) * 0x9e3779b1u ^ (v >> 40)) & (SET_SLOTS - 1);

	for (unsigned probe = 0; probe < SET_SLOTS; probe++, h = (h + 1) & (SET_SLOTS - 1)) {
		if (s->slot_gen[h] != s->gen) {
			if (s->n >= MAX_SET)
				return;             /* saturated: a long epoch (boot); counts stop */
			s->slot_gen[h] = s->gen;
			s->key[h] = v;
			s->idx[h] = (unsigned short)s->n;
			s->flags[s->n] = flag;
			s->v[s->n++] = v;
			return;
		}
		if (s->key[h] == v) {
			s->flags[s->idx[h]] |= flag;
			return;
		}
	}
}

struct epoch {
	uint64_t insns, tbs_exec;
	struct set tbs, code, data;
};

struct shape {
	uint64_t insns, tbs_exec;
	unsigned tbs, code, data;
	uint64_t count;
	struct epoch *example;
};

static struct epoch cur;
static struct shape shapes[MAX_SHAPES];
static unsigned n_shapes;
static uint64_t n_epochs, n_dropped;
static const char *out_path;
static int top = 6;

static void end_epoch(unsigned vcpu, void *ud)
{
	(void)vcpu;
	(void)ud;
	struct shape *s = NULL;

	n_epochs++;
	for (unsigned i = 0; i < n_shapes; i++)
		if (shapes[i].insns == cur.insns && shapes[i].tbs_exec == cur.tbs_exec &&
		    shapes[i].tbs == cur.tbs.n && shapes[i].code == cur.code.n &&
		    shapes[i].data == cur.data.n) {
			s = &shapes[i];
			break;
		}
	if (!s && n_shapes < MAX_SHAPES) {
		s = &shapes[n_shapes++];
		s->insns = cur.insns;
		s->tbs_exec = cur.tbs_exec;
		s->tbs = cur.tbs.n;
		s->code = cur.code.n;
		s->data = cur.data.n;
		s->example = malloc(sizeof(cur));
		if (s->example)
			memcpy(s->example, &cur, sizeof(cur));   /* only n, v[] and flags[] are read */
	}
	if (s)
		s->count++;
	else
		n_dropped++;
	cur.insns = cur.tbs_exec = 0;
	set_clear(&cur.tbs);
	set_clear(&cur.code);
	set_clear(&cur.data);
}

static void tb_exec(unsigned vcpu, void *ud)
{
	struct tbinfo *t = ud;

	(void)vcpu;
	cur.insns += t->n_insns;
	cur.tbs_exec++;
	set_add(&cur.tbs, t->vaddr, 0);
	set_add(&cur.code, PAGE(t->vaddr), 0);
	if (t->last_page != PAGE(t->vaddr))
		set_add(&cur.code, t->last_page, 0);
}

static void mem_access(unsigned vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *ud)
{
	(void)vcpu;
	(void)ud;
	set_add(&cur.data, PAGE(vaddr), qemu_plugin_mem_is_store(info) ? 2 : 1);
}

/* A MOV to CR3, in the disassembler's AT&T syntax: "mov[q] %reg, %cr3". */
static bool is_cr3_write(const char *d)
{
	const char *p;

	if (!d || strncmp(d, "mov", 3) != 0)
		return false;
	p = strstr(d, "%cr3");
	return p && strchr(d, ',') && strchr(d, ',') < p;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct tbinfo *t = calloc(1, sizeof(*t));

	(void)id;
	if (!t)
		return;
	t->vaddr = qemu_plugin_tb_vaddr(tb);
	t->n_insns = (unsigned)n;
	t->last_page = PAGE(t->vaddr);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		char *d = qemu_plugin_insn_disas(insn);

		if (i == n - 1)
			t->last_page = PAGE(qemu_plugin_insn_vaddr(insn));
		if (is_cr3_write(d))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, end_epoch, QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
		qemu_plugin_register_vcpu_mem_cb(insn, mem_access, QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_RW, NULL);
		free(d);
	}
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, t);
}

static int by_count(const void *a, const void *b)
{
	const struct shape *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static void at_exit(qemu_plugin_id_t id, void *ud)
{
	FILE *f = out_path ? fopen(out_path, "w") : NULL;
	char *buf = NULL;
	size_t len = 0;

	(void)id;
	(void)ud;
	if (!f)
		f = open_memstream(&buf, &len);
	if (!f)
		return;
	qsort(shapes, n_shapes, sizeof(shapes[0]), by_count);
	fprintf(f, "epochs %" PRIu64 " shapes %u dropped %" PRIu64 "\n", n_epochs, n_shapes,
		n_dropped);
	for (int i = 0; i < top && i < (int)n_shapes; i++) {
		struct shape *s = &shapes[i];
		struct epoch *e = s->example;

		fprintf(f, "shape %d count %" PRIu64 " insns %" PRIu64 " tbs_exec %" PRIu64
			" tbs %u code_pages %u data_pages %u\n", i, s->count, s->insns, s->tbs_exec,
			s->tbs, s->code, s->data);
		if (!e)
			continue;
		fprintf(f, "  tbs:");
		for (unsigned j = 0; j < e->tbs.n; j++)
			fprintf(f, " %" PRIx64, e->tbs.v[j]);
		fprintf(f, "\n  code:");
		for (unsigned j = 0; j < e->code.n; j++)
			fprintf(f, " %" PRIx64, e->code.v[j]);
		fprintf(f, "\n  data:");
		for (unsigned j = 0; j < e->data.n; j++)
			fprintf(f, " %" PRIx64 "%s", e->data.v[j], e->data.flags[j] & 2 ? "w" : "r");
		fprintf(f, "\n");
	}
	fclose(f);
	if (buf) {
		qemu_plugin_outs(buf);
		free(buf);
	}
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "out=", 4) == 0)
			out_path = argv[i] + 4;
		else if (strncmp(argv[i], "top=", 4) == 0)
			top = atoi(argv[i] + 4);
	}
	cur.tbs.gen = cur.code.gen = cur.data.gen = 1;     /* slot_gen 0 = never used */
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
