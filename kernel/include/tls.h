/*
 * tls.h - per-task segments (kernel/arch/x86_64/tls.c): the three i386 TLS descriptors of
 * set_thread_area (GDT entries 12..14, selectors 0x63/0x6b/0x73, as on Linux) and the user's
 * DS/ES/FS/GS selectors, which live in the CPU while the task runs and in struct task while it is
 * switched out.
 */
#ifndef PORTCULLIS_TLS_H
#define PORTCULLIS_TLS_H

#include "types.h"
#include "segment.h"

#define GDT_ENTRY_TLS_ENTRIES 3
#define GDT_ENTRY_TLS_MAX     (GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES - 1)

struct task;

/* A new user task: no TLS descriptors, null FS/GS, DS = ES = USER_DS (task_create_user). */
void segments_init(struct task *t);
/* schedule(), IRQs off, before the FS/GS bases of next are written: save prev's selectors (if it
 * is a user task), load next's TLS descriptors into this CPU's GDT and its selectors. */
void segments_switch(struct task *prev, struct task *next);
/* fork/clone, called by the parent: the child gets the parent's TLS descriptors and its live
 * selectors (the saved copies in the parent's struct task are stale while it runs). */
void segments_fork(struct task *child);
/* i386 clone with CLONE_SETTLS: set the child's TLS descriptor from the user_desc at uinfo, as
 * set_thread_area would but without picking a free entry (entry -1 is -EINVAL); 0 or -errno. */
long segments_clone_tls(struct task *child, u64 uinfo);
/* execve of the current task: Linux's start_thread: TLS cleared, FS = GS = 0, DS = ES = USER_DS. */
void segments_exec(void);
/* Load a user selector into FS or GS of the current task (ARCH_SET_FS/GS load 0, as Linux); one
 * that would fault becomes the null selector. The base is then the descriptor's. */
void segments_load_fs(u16 sel);
void segments_load_gs(u16 sel);
/* ia32 sigreturn: reload the four selectors from the sigcontext as Linux's reload_segments. */
void segments_reload_ia32(u16 gs, u16 fs, u16 ds, u16 es);

#endif
