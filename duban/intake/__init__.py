"""Plan intake: a plan document or task sheet parsed (`parse`), turned into an editable draft,
its unit names matched to departments, and imported in one audited transaction; the Excel
task sheet (template, export, import back)."""
