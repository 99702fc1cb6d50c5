"""What the office adds without code: custom task fields and 督办事项来源 (task categories).

- `definitions`: the fields themselves (create, edit, retire, restore, list);
- `values`: a typed value from what a person typed or a cell held, and back to words;
- `categories`: the categories, their weight in the assessment, a task's category;
- `frame`: the fields as typed register columns (``cf_<id>``) from the stored JSON.
"""
