/*
 * 16550 UARTs on COM1 and COM2 (kernel/arch/x86_64/serial.c).
 *
 * Both ports run at 115200 baud, 8N1, with polled transmit and no interrupts. COM1 is the console
 * (user output, KTAP); the kernel log goes to COM1 too, or to COM2 with the `quiet` boot option.
 * The printk.h sinks console_write() and log_write() are implemented on top of this.
 *
 * Nothing here takes a lock, so every function may be called from any context (IRQ, NMI, panic).
 * Concurrent writers can interleave bytes; printk serialises its own callers.
 */
#ifndef PORTCULLIS_SERIAL_H
#define PORTCULLIS_SERIAL_H

#include "types.h"

#define SERIAL_COM1 0
#define SERIAL_COM2 1
#define SERIAL_NR_PORTS 2

/* Program both UARTs and probe whether each exists (loopback test). Call once, early. */
void serial_init(void);

/* True if serial_init() found a working UART at COM2 (QEMU: a second -serial option). */
bool serial_com2_present(void);

/* `quiet`: send the kernel log (log_write) to COM2 instead of COM1. Without a COM2 it is dropped. */
void serial_set_quiet(bool quiet);

/*
 * Wait (bounded) until every byte written so far has left the UARTs' shift registers. Call before
 * stopping the machine: an emulator that exits at once drops whatever is still in flight.
 */
void serial_flush(void);

/*
 * Write n bytes to one port, byte-exact (no "\n" -> "\r\n" translation), waiting for the
 * transmitter before each byte. A port that serial_init() found absent swallows the bytes.
 */
void serial_write_port(int port_index, const char *s, size_t n);

#endif
