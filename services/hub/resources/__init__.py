"""Knowledge resources: guides, case studies, tools and NetZeroCities material, with their
translations, tags and full-text search through the database's own engine."""
