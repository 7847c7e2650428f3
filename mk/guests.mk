# Guest images: every guestos/*.s program and tests/guests/*.s test becomes
# build/guests/NAME.img (filled in as the guest OS lands).
.PHONY: guests
guests: bin/vasm
