"""Plan intake: a plan document or task sheet parsed (`parse`), turned into an editable draft
(`drafts`), its unit names matched to departments (`matching`), and imported in one audited
transaction (`importer`); the Excel task sheet: template, export, import back (`excel`)."""
