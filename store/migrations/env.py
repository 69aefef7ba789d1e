"""Alembic's entry: the state database's migrations run on the connection `store.state`
hands over (there is no alembic.ini; `wastewatch` upgrades on connect)."""

from alembic import context

connection = context.config.attributes["connection"]
# Batch mode lets a later migration alter a SQLite table (copy and move) as PostgreSQL alters
# it in place.
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
