"""Tasks (督办任务): the office's services (manage), the units' side of the work (workflow),
reading tasks (reading), the register (register) and the words for them (labels)."""
