"""Everything that turns result objects into text, tables, pictures and files."""
