/* Kernel log and console output. */
#ifndef PORTCULLIS_PRINTK_H
#define PORTCULLIS_PRINTK_H

#include "types.h"

/* Log levels, as a leading "\001N" in the format string (Linux style). */
#define KERN_ERR   "\0013"
#define KERN_WARN  "\0014"
#define KERN_INFO  "\0016"
#define KERN_DEBUG "\0017"

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* The console (COM1): user output, KTAP. Not affected by `quiet`. */
void console_write(const char *s, size_t n);
int cprintf(const char *fmt, ...) __printf(1, 2);

/* Where the kernel log goes: COM1, or COM2 with the `quiet` boot option. */
void log_write(const char *s, size_t n);

/* After a panic starts: printk no longer takes its lock (the interrupted context may hold it). */
void printk_panic_mode(void);

#define pr_err(fmt, ...)  printk(KERN_ERR fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARN fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO fmt, ##__VA_ARGS__)

#endif
