/* vm_snapshot.h: a VM and the real machine under it, copied and put back.
 *
 * The VM struct is plain data apart from its machine pointer, its name, the
 * host's ends of its console and, under binary translation, the
 * translator (struct bt, deep-copied with bt_clone; the translation cache
 * itself lives in machine memory).  The shadow page tables live in machine
 * memory too, so they come back with it.  A hardware-assisted VM (hw_vm)
 * adds only plain data: the VMCS.  A monitor mode that adds owned pointers
 * to these structs must copy them here too. */
#ifndef VM_SNAPSHOT_H
#define VM_SNAPSHOT_H

#include "hw/hw.h"
#include "snapshot.h"
#include "vm.h"

typedef struct vm_snap vm_snap;

/* NULL when out of host memory. */
vm_snap *vm_snap_take(const vm *m);
void vm_snap_restore(vm *m, const vm_snap *s);
vm_snap *hw_snap_take(const hw_vm *h);
void hw_snap_restore(hw_vm *h, const vm_snap *s);
void vm_snap_free(vm_snap *s);
size_t vm_snap_bytes(const vm_snap *s);

#endif
