"""SQLAlchemy 2 async storage: tables, repositories (that never commit), the unit of work, migrations."""
