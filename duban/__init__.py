"""Duban domain package: services, rules, analytics, documents; never imports streamlit."""
