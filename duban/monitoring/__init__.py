"""Monitoring: working days, the explainable warning lights (红黄绿灯), the office's warning
rules and holiday table, and the dashboard's figures and charts over the task data."""
