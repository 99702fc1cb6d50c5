"""Notices (通知通报): drafts generated from the data by the office's rules and templates, issued
with doc numbers, delivered to the units, acknowledged and answered.

Modules: labels (kinds, levels, periods), rules (the office's notice rules), templates,
facts (unit records and the rules' tests), drafting (generate, draft, edit, delete), issuing,
replies (the units' side), reading (lists, one notice, its DOCX).
"""
