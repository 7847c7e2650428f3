/* exec.h: internal interfaces between the interpreter (exec.c), the run
 * loop and trap path (cpu.c) and the devices (dev.c). */
#ifndef EXEC_H
#define EXEC_H

#include "cpu.h"

/* Run up to budget ticks; *used gets the ticks used.  Returns an enum
 * cpu_exit, or -1 when the outer loop should simply look around and go on. */
int exec_chunk(cpu *c, uint32_t budget, uint32_t *used);

/* Write a control register, from an instruction of the running chunk
 * (in_chunk: a new timer count starts after it, not with the chunk: cpu.c)
 * or from the host between runs.  True if the chunk must end after this
 * instruction (timer or paging changed). */
bool cpu_write_cr(cpu *c, uint32_t n, uint32_t v, bool in_chunk);

uint32_t dev_in(cpu *c, uint32_t port);
void dev_out(cpu *c, uint32_t port, uint32_t v);
/* The same for a port passed through to the monitor window (mon_io): the
 * VM's virtual device, priced as the monitor's emulation, not a device. */
uint32_t dev_model_in(cpu *c, uint32_t port);
void dev_model_out(cpu *c, uint32_t port, uint32_t v);

#endif
