# guest: kern
# input: x
# Breakpoints, watchpoints and catchpoints, and their list.
break uloop
tbreak on_timer
pbreak 0x8020
watch sum
rwatch ticks
awatch nsys
catch trap syscall
catch translate
info breakpoints
continue
continue
continue
continue
continue
delete 1 3 4
info breakpoints
continue
continue
continue
delete 5
continue 2
delete
info breakpoints
catch trap
continue
continue
delete
catch exit
continue
info breakpoints
delete
break
info breakpoints
