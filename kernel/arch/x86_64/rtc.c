/*
 * MC146818-compatible CMOS real-time clock: read once at boot to seed realtime_ns().
 *
 * The RTC updates its registers once a second and sets the update-in-progress flag (register A,
 * bit 7) shortly before; reading while it updates can give a torn time (e.g. 09:59 + 10:00 ->
 * 09:00). We wait for the flag to clear, read everything, and repeat until two consecutive
 * snapshots agree. Register B says how the values are encoded: BCD or binary (bit 2) and
 * 12- or 24-hour (bit 1; in 12-hour mode bit 7 of the hour is PM).
 */
#include "types.h"
#include "cpu.h"
#include "printk.h"
#include "acpi.h"
#include "pit.h"

#define CMOS_INDEX  0x70        /* bit 7 of the index masks NMI on PCs: always written as 0 */
#define CMOS_DATA   0x71

#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS   0x04
#define RTC_DAY     0x07
#define RTC_MONTH   0x08
#define RTC_YEAR    0x09
#define RTC_REG_A   0x0a
#define RTC_REG_B   0x0b

#define RTC_A_UIP   0x80        /* update in progress */
#define RTC_B_24H   0x02
#define RTC_B_BIN   0x04        /* binary, not BCD */
#define RTC_HOUR_PM 0x80        /* 12-hour mode */

#define FADT_CENTURY_OFF 108    /* FADT byte: CMOS index of the century register, 0 = none */

struct rtc_snapshot {
	u8 sec, min, hour, day, mon, year, century;
};

static u8 cmos_read(u8 reg)
{
	outb(CMOS_INDEX, reg & 0x7f);
	return inb(CMOS_DATA);
}

/* The century register's CMOS index from the FADT (QEMU, Bochs and most PCs: 0x32), or 0. */
static u8 century_register(void)
{
	const struct acpi_sdt_header *fadt = acpi_find_table("FACP", 0);
	if (!fadt || fadt->length <= FADT_CENTURY_OFF)
		return 0;
	u8 reg = ((const u8 *)fadt)[FADT_CENTURY_OFF];
	return reg >= 0x0e && reg < 0x80 ? reg : 0;     /* 0x00-0x0d are the clock itself */
}

/* Wait for no update to be in progress, then read every field. False if UIP never clears. */
static bool read_snapshot(struct rtc_snapshot *t, u8 century_reg)
{
	/* UIP is set for at most ~2 ms a second; a million reads is far longer than a second. */
	for (u32 spins = 0; cmos_read(RTC_REG_A) & RTC_A_UIP; spins++)
		if (spins == 1000000)
			return false;
	t->sec = cmos_read(RTC_SECONDS);
	t->min = cmos_read(RTC_MINUTES);
	t->hour = cmos_read(RTC_HOURS);
	t->day = cmos_read(RTC_DAY);
	t->mon = cmos_read(RTC_MONTH);
	t->year = cmos_read(RTC_YEAR);
	t->century = century_reg ? cmos_read(century_reg) : 0;
	return true;
}

static bool snapshot_eq(const struct rtc_snapshot *a, const struct rtc_snapshot *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour && a->day == b->day &&
	       a->mon == b->mon && a->year == b->year && a->century == b->century;
}

static unsigned bcd(u8 v)
{
	return (v >> 4) * 10 + (v & 0x0f);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm). */
static s64 days_from_civil(s64 y, unsigned m, unsigned d)
{
	y -= m <= 2;                                    /* years start in March */
	s64 era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);                       /* [0, 399] */
	unsigned mp = m > 2 ? m - 3 : m + 9;                            /* March = 0 */
	unsigned doy = (153 * mp + 2) / 5 + d - 1;                      /* [0, 365] */
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
	return era * 146097 + (s64)doe - 719468;
}

s64 rtc_read_epoch_seconds(void)
{
	u8 century_reg = century_register();
	struct rtc_snapshot a, b;
	bool stable = false;

	u64 flags = irq_save();                 /* the index/data port pair is not reentrant */
	if (read_snapshot(&a, century_reg)) {
		for (int tries = 0; tries < 10 && !stable; tries++) {
			if (!read_snapshot(&b, century_reg))
				break;
			stable = snapshot_eq(&a, &b);
			a = b;
		}
	}
	u8 reg_b = cmos_read(RTC_REG_B);
	irq_restore(flags);

	if (!stable) {
		pr_warn("rtc: no stable reading from the CMOS clock\n");
		return -1;
	}

	bool pm = a.hour & RTC_HOUR_PM;
	a.hour &= ~RTC_HOUR_PM;
	unsigned sec = a.sec, min = a.min, hour = a.hour, day = a.day, mon = a.mon;
	unsigned year = a.year, century = a.century;
	if (!(reg_b & RTC_B_BIN)) {
		sec = bcd(a.sec);
		min = bcd(a.min);
		hour = bcd(a.hour);
		day = bcd(a.day);
		mon = bcd(a.mon);
		year = bcd(a.year);
		century = bcd(a.century);
	}
	if (!(reg_b & RTC_B_24H))
		hour = hour % 12 + (pm ? 12 : 0);       /* 12 AM is 00h, 12 PM is 12h */

	if (century >= 19 && century <= 99)
		year += century * 100;
	else
		year += year < 70 ? 2000 : 1900;        /* no century register: the POSIX pivot */

	if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || mon < 1 || mon > 12) {
		pr_warn("rtc: implausible time %u-%u-%u %u:%u:%u (register B 0x%x)\n",
			year, mon, day, hour, min, sec, reg_b);
		return -1;
	}

	return days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}
