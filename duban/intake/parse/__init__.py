"""The plan parser: an implementation plan (txt/docx/xlsx/csv/html) → tasks with units and dates.

`reader` is the entry point (parse_plan_bytes, parse_plan_file); `model` holds the result
types and PlanParseError; `norm` the text normalisation the importer shares. The private
modules are the readers per format and the text, table, date and unit parsers behind them.
"""
