/* dev.c: the devices behind in and out: the console.  (The timer is a
 * control register, CR[timer]; see cpu.c.)
 *
 * The console is deterministic by construction: it reads input only when
 * the program asks for a byte (in CONS_DATA) or reads the status, or when
 * the machine idles in wfi with the input interrupt enabled.  Given the same
 * input bytes, a run takes the same path whether they come from a file, a
 * pipe or a person at a terminal. */
#include "exec.h"

uint32_t console_port_in(console_dev *con, uint32_t port) {
  switch (port) {
  case PORT_CONS_DATA: return con->getc ? (uint32_t)con->getc(con->ctx) : 0xffffffffu;
  case PORT_CONS_STATUS: return con->status ? (uint32_t)con->status(con->ctx) : 2u;
  default: return 0xffffffffu; /* no device: the bus floats high */
  }
}

void console_port_out(console_dev *con, uint32_t port, uint32_t v) {
  switch (port) {
  case PORT_CONS_DATA:
    if (con->putc) con->putc(con->ctx, (int)(v & 0xff));
    break;
  case PORT_CONS_CTRL: con->rx_irq_enabled = v & 1; break;
  default: break; /* no device: writes are dropped */
  }
}

uint32_t dev_in(cpu *c, uint32_t port) {
  c->st.io++;
  c->st.cycles += c->cost.c[COST_IO];
  return console_port_in(&c->con, port);
}

void dev_out(cpu *c, uint32_t port, uint32_t v) {
  c->st.io++;
  c->st.cycles += c->cost.c[COST_IO];
  console_port_out(&c->con, port, v);
}

/* A port passed through to the monitor window's code (mon_io): a binary
 * translator's code reaching the VM's virtual device, a model in monitor
 * memory, in line.  The model's work is COST_EMULATE, as when the monitor
 * emulates the instruction after a trap; only a byte that goes out to (or
 * comes in from) the host's console touches a real device. */
static void model_cost(cpu *c, uint32_t port) {
  c->st.io++;
  c->st.cycles += c->cost.c[COST_EMULATE] + (console_port_external(port) ? c->cost.c[COST_IO] : 0);
}

uint32_t dev_model_in(cpu *c, uint32_t port) {
  model_cost(c, port);
  return console_port_in(&c->con, port);
}

void dev_model_out(cpu *c, uint32_t port, uint32_t v) {
  model_cost(c, port);
  console_port_out(&c->con, port, v);
}

/* wfi: idle until an interrupt is pending.  Console input wins (it is only
 * looked at when the machine is idle, which keeps runs with a file as input
 * deterministic); otherwise time skips to the timer.  Shared by the CPU and
 * the monitor's VCPUs, so both idle the same way. */
int64_t dev_idle(console_dev *con, uint32_t *irq, uint32_t period, uint32_t *timer_left, uint64_t ticks,
                 uint64_t *idle_ticks) {
  if (*irq) return 0;
  if (con->rx_irq_enabled && con->status && (con->status(con->ctx) & 1)) {
    *irq |= 1u << CAUSE_CONSOLE;
    return 0;
  }
  if (!period) return -1;
  uint64_t k = *timer_left < ticks ? *timer_left : ticks;
  *idle_ticks += k;
  *timer_left -= (uint32_t)k;
  if (*timer_left == 0) {
    *irq |= 1u << CAUSE_TIMER;
    *timer_left = period;
  }
  return (int64_t)k;
}
