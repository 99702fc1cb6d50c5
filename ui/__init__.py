"""Streamlit for the pages: the kernel (context, common, auth, nav) and one package per
capability of duban (tasks, monitoring, inspections, notices, intake, assessment, org)."""
