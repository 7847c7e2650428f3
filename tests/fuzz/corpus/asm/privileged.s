; every privileged and special instruction, and the control registers
        .org 0x1000
_start: la r1, trap
        mtc tvec, r1
        mfc r2, ptb
        mtc scratch, r2
        mfc r3, cause
        mfc r4, badva
        mtc estatus, r4
        mfc r5, timer
        li r6, 100
        mtc timer, r6
        mtc paging, zero
        tlbi r1
        tlbflush
        in r7, 0x01
        out 0x00, r7
        out 0x02, zero
        cli
        sti
        pushf
        popf
        wfi
        syscall
        brk
        div r1, r2, zero
        remu r1, r2, r3
        callr r1
        iret
trap:   halt r3
