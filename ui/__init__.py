"""Streamlit helpers shared by the pages: context, current user, errors, common widgets."""
