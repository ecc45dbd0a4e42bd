"""The subcommands of ``bpstudio``, one module each (bpstudio/cli.py parses the arguments and
turns every failure into its exit code)."""
