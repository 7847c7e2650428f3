; end.s: the kernel's zero-filled data, then the end of the image.  The top
; file includes it last: everything after _end is free memory (kalloc.s).

    .align PAGE_SIZE             ; written all the time: not beside code (data.s)
proc_table: .space NPROC * PROC_SIZE       ; the processes (proc.inc)
idle_frame: .space PROC_SIZE               ; where trap_entry saves the idle loop
kstack:     .space KSTACK_SIZE             ; the one kernel stack
kstack_top:
#ifdef PV
pv_batch:   .space 12                      ; a PV_MMU list of one (vm.s: pv_pte_set)
#endif

    .align PAGE_SIZE
_end:
