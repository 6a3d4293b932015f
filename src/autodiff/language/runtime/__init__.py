"""The objects a running script creates: its functions, classes and instances, generators and exceptions."""
