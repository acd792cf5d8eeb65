"""SQLModel storage tables (models.tables) and read models (models.public)."""
