"""The kernel every capability stands on: settings, database, clock, errors, permissions,
audit log, the write discipline of services, stored settings, evidence files, logging.

Its modules are public to the whole of `duban`; it imports nothing from the capabilities.
"""
