"""Official documents (公文) in the GB/T 9704 layout: the document as data (official), its
measures (layout), DOCX with python-docx (word), PDF via LibreOffice (pdf)."""
