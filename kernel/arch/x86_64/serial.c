/*
 * 16550 UART driver for COM1 and COM2: 115200 baud, 8N1, polled transmit, no interrupts.
 *
 * COM1 carries the console (console_write: user program output and KTAP, compared byte for byte
 * with Linux by the test harness, so no newline translation happens here) and, by default, the
 * kernel log (log_write). The `quiet` boot option moves the kernel log to COM2 so that COM1 holds
 * nothing but program output.
 *
 * No locks: these functions run in every context, NMI and panic included. printk serialises its
 * own callers; a writer interrupted by an NMI that also prints can see its bytes interleaved.
 */
#include "types.h"
#include "cpu.h"
#include "printk.h"
#include "serial.h"

/* Register offsets from the port base (DLAB = 0 unless noted). */
#define UART_DATA   0   /* RBR (read) / THR (write); DLL with DLAB = 1 */
#define UART_IER    1   /* interrupt enable; DLM with DLAB = 1 */
#define UART_FCR    2   /* FIFO control (write) */
#define UART_LCR    3   /* line control */
#define UART_MCR    4   /* modem control */
#define UART_LSR    5   /* line status */
#define UART_SCR    7   /* scratch */

#define LCR_8N1     0x03        /* 8 data bits, no parity, 1 stop bit */
#define LCR_DLAB    0x80        /* divisor latch access */
#define FCR_ENABLE  0x07        /* enable FIFOs and clear both of them; trigger level 1 byte */
#define MCR_DTR     0x01
#define MCR_RTS     0x02
#define MCR_OUT2    0x08        /* gates the UART's IRQ line on PCs: left off, we poll */
#define MCR_LOOP    0x10
#define LSR_DR      0x01        /* receive data ready */
#define LSR_THRE    0x20        /* transmit holding register empty */
#define LSR_TEMT    0x40        /* transmitter empty: holding and shift registers both */

#define UART_CLOCK_HZ   115200  /* input clock / 16: divisor 1 gives 115200 baud */
#define UART_BAUD       115200

static const u16 port_base[SERIAL_NR_PORTS] = { 0x3f8, 0x2f8 };

/*
 * Whether each port has a UART. COM1 is written even if the probe fails: an absent port reads
 * as 0xff, whose THRE bit is set, so polling it cannot hang, and early output (before
 * serial_init) reaches QEMU's COM1 whatever its programmed state. COM2 is used only once probed.
 */
static bool port_present[SERIAL_NR_PORTS] = { true, false };

/* The `quiet` boot option: log_write() goes to COM2. */
static bool log_to_com2;

/*
 * Probe with the UART's loopback mode: in loopback the transmitter feeds the receiver directly,
 * so a byte written to THR must come back from RBR. Nothing leaves the port during the test.
 */
static bool uart_probe(u16 base)
{
	outb(base + UART_SCR, 0x5a);            /* cheap first check: the scratch register */
	if (inb(base + UART_SCR) != 0x5a)
		return false;
	outb(base + UART_MCR, MCR_LOOP | MCR_RTS | MCR_DTR);
	outb(base + UART_DATA, 0xae);
	for (int i = 0; i < 1000 && !(inb(base + UART_LSR) & LSR_DR); i++)
		cpu_relax();
	bool ok = inb(base + UART_DATA) == 0xae;
	outb(base + UART_MCR, MCR_RTS | MCR_DTR);   /* leave loopback; OUT2 stays off */
	return ok;
}

static void uart_setup(u16 base)
{
	u16 divisor = UART_CLOCK_HZ / UART_BAUD;

	outb(base + UART_IER, 0x00);                  /* no interrupts: we poll */
	outb(base + UART_LCR, LCR_DLAB);
	outb(base + UART_DATA, divisor & 0xff);       /* DLL */
	outb(base + UART_IER, divisor >> 8);          /* DLM */
	outb(base + UART_LCR, LCR_8N1);               /* DLAB off */
	outb(base + UART_FCR, FCR_ENABLE);
	outb(base + UART_MCR, MCR_RTS | MCR_DTR);
}

/* Wait (bounded) for the transmitter to finish: the holding and shift registers are empty. */
static void uart_drain(u16 base)
{
	/* A 16-byte FIFO at 115200 baud drains in under 2 ms; allow far more. */
	for (u32 spins = 0; spins < 10000000; spins++) {
		if (inb(base + UART_LSR) & LSR_TEMT)
			return;
		cpu_relax();
	}
}

void serial_init(void)
{
	for (int i = 0; i < SERIAL_NR_PORTS; i++) {
		u16 base = port_base[i];
		uart_drain(base);       /* early output still in flight would be lost to loopback */
		uart_setup(base);
		bool present = uart_probe(base);
		if (i != SERIAL_COM1)
			port_present[i] = present;
		(void)inb(base + UART_DATA);              /* drop whatever the probe left behind */
	}
}

bool serial_com2_present(void)
{
	return port_present[SERIAL_COM2];
}

void serial_set_quiet(bool quiet)
{
	log_to_com2 = quiet;
}

/*
 * Transmit one byte once the holding register is empty. The wait is deliberately unbounded:
 * an emulator holds THRE clear until its character backend has taken the byte, and giving up
 * would drop bytes from output the harness compares exactly. (An absent port reads 0xff: THRE
 * is set.)
 */
static inline void uart_putc(u16 base, u8 c)
{
	while (!(inb(base + UART_LSR) & LSR_THRE))
		cpu_relax();
	outb(base + UART_DATA, c);
}

void serial_write_port(int port_index, const char *s, size_t n)
{
	if (port_index < 0 || port_index >= SERIAL_NR_PORTS || !port_present[port_index])
		return;
	u16 base = port_base[port_index];
	for (size_t i = 0; i < n; i++)
		uart_putc(base, (u8)s[i]);
}

void serial_flush(void)
{
	for (int i = 0; i < SERIAL_NR_PORTS; i++)
		if (port_present[i])
			uart_drain(port_base[i]);
}

/* printk.h: the console is always COM1. */
void console_write(const char *s, size_t n)
{
	serial_write_port(SERIAL_COM1, s, n);
}

/* printk.h: the kernel log, on COM1 or (quiet) on COM2. */
void log_write(const char *s, size_t n)
{
	serial_write_port(log_to_com2 ? SERIAL_COM2 : SERIAL_COM1, s, n);
}
