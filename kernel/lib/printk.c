/*
 * printk.c - the kernel log (printk) and the console (cprintf).
 *
 * printk(fmt, ...) formats a message into a stack buffer and writes it with log_write() (the
 * serial driver: COM1, or COM2 with `quiet`), every line prefixed with the time since boot:
 *
 *     [    0.012345] pmm: 130560 pages free
 *
 * A message may start with a level, KERN_ERR etc. ("\001" and a digit 0-7, lower is more
 * severe); one without a level has PRINTK_DEFAULT_LEVEL. Messages whose level is above
 * console_loglevel (the `loglevel=` boot option) are dropped.
 *
 * Lines may be built from several calls: a timestamp is written only at the start of a line,
 * so printk("a"); printk("b\n"); gives one line "[...] ab".
 *
 * Output is serialized by printk_lock, taken with interrupts saved and disabled, so messages
 * from interrupt handlers do not cut into others. A panic may happen while the interrupted
 * code holds that lock on the same CPU; printk_panic_mode() makes printk stop taking it.
 *
 * cprintf() formats the same way but writes to the console with console_write(): no level, no
 * timestamp, no lock of its own (the console driver serializes its writes).
 */
#include "printk.h"
#include "spinlock.h"
#include "string.h"
#include "time.h"

#define PRINTK_BUF_SIZE      512   /* longest message; longer ones are cut and end in "...\n" */
#define PRINTK_DEFAULT_LEVEL 4     /* level of a message without KERN_*: warning, as on Linux */
#define PRINTK_TRUNCATED     "...\n"

/* Messages with a level <= console_loglevel are written; 7 (the default) writes everything. */
int console_loglevel = 7;

static spinlock_t printk_lock = SPINLOCK_INIT;
static bool printk_lockless;       /* set by printk_panic_mode(); never cleared */
static bool at_line_start = true;  /* the last byte written was '\n': next comes a timestamp */

void printk_panic_mode(void)
{
	WRITE_ONCE(printk_lockless, true);
}

/*
 * Format into buf (size bytes) and return the length of what is in it. A result that did not
 * fit is cut, and its last bytes replaced by "...\n" so that the cut is visible and the line
 * still ends.
 */
static size_t format_message(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);
	size_t len = (size_t)n;

	if (len >= size) {
		len = size - 1;
		memcpy(buf + len - (sizeof(PRINTK_TRUNCATED) - 1), PRINTK_TRUNCATED,
		       sizeof(PRINTK_TRUNCATED) - 1);
	}
	return len;
}

/* Write msg line by line, starting each new line with the timestamp. Caller holds the lock. */
static void log_emit(const char *msg, size_t len, u64 now_ns)
{
	while (len) {
		size_t line = 0;

		if (at_line_start) {
			char stamp[32];
			int n = snprintf(stamp, sizeof(stamp), "[%5u.%06u] ",
					 (unsigned)(now_ns / NSEC_PER_SEC),
					 (unsigned)(now_ns % NSEC_PER_SEC / 1000));

			log_write(stamp, MIN((size_t)n, sizeof(stamp) - 1));
			at_line_start = false;
		}

		/* Up to and including the next newline, or the rest. */
		while (line < len && msg[line++] != '\n')
			;
		log_write(msg, line);
		if (msg[line - 1] == '\n')
			at_line_start = true;
		msg += line;
		len -= line;
	}
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[PRINTK_BUF_SIZE];
	int level = PRINTK_DEFAULT_LEVEL;
	size_t len;
	u64 now, flags = 0;
	bool lockless;

	/* A leading KERN_* level: "\001" and a digit. */
	if (fmt[0] == '\001' && fmt[1] >= '0' && fmt[1] <= '7') {
		level = fmt[1] - '0';
		fmt += 2;
	}
	if (level > READ_ONCE(console_loglevel))
		return 0;

	len = format_message(buf, sizeof(buf), fmt, ap);
	now = ktime_ns();      /* 0 until the clock is calibrated: such lines show [    0.000000] */

	lockless = READ_ONCE(printk_lockless);
	if (!lockless)
		flags = spin_lock_irqsave(&printk_lock);
	log_emit(buf, len, now);
	if (!lockless)
		spin_unlock_irqrestore(&printk_lock, flags);
	return (int)len;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

int cprintf(const char *fmt, ...)
{
	char buf[PRINTK_BUF_SIZE];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	len = format_message(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, len);
	return (int)len;
}
