"""The 督查检查 page: inspections, findings and their rectification."""
