# guest: kern
# help, for the table and one command of each kind.
help
help stepi
help x
help info
help info shadow
help catch
help catch exit
help rsi
help i r
quit
