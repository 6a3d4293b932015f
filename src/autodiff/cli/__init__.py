"""The command line, the REPL, error reports and the check command."""
