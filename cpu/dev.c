/* dev.c: the devices behind in and out: the console.  (The timer is a
 * control register, CR[timer]; see cpu.c.)
 *
 * The console is deterministic by construction: it reads input only when
 * the program asks for a byte (in CONS_DATA) or reads the status, or when
 * the machine idles in wfi with the input interrupt enabled.  Given the same
 * input bytes, a run takes the same path whether they come from a file, a
 * pipe or a person at a terminal. */
#include "exec.h"

uint32_t dev_in(cpu *c, uint32_t port) {
  c->st.io++;
  c->st.cycles += c->cost.c[COST_IO];
  switch (port) {
  case PORT_CONS_DATA: return c->con.getc ? (uint32_t)c->con.getc(c->con.ctx) : 0xffffffffu;
  case PORT_CONS_STATUS: return c->con.status ? (uint32_t)c->con.status(c->con.ctx) : 2u;
  default: return 0xffffffffu; /* no device: the bus floats high */
  }
}

void dev_out(cpu *c, uint32_t port, uint32_t v) {
  c->st.io++;
  c->st.cycles += c->cost.c[COST_IO];
  switch (port) {
  case PORT_CONS_DATA:
    if (c->con.putc) c->con.putc(c->con.ctx, (int)(v & 0xff));
    break;
  case PORT_CONS_CTRL: c->con.rx_irq_enabled = v & 1; break;
  default: break; /* no device: writes are dropped */
  }
}
