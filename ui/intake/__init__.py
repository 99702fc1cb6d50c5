"""The 方案导入 page: upload, preview and correct a parsed plan, map units, import; the Excel task sheet."""
