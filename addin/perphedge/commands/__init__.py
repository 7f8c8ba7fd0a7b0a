"""The ``perphedge`` sub-commands, one module each, loaded only when invoked."""
