"""An Alembic project as a Python team would have it: alembic init, one revision that
creates the users table, alembic upgrade head. Retort then adopts the database.

    alembic_project.py FOLDER URL
"""
import os
import sys

from alembic import command
from alembic.config import Config

folder, url = sys.argv[1], sys.argv[2]
ini = os.path.join(os.path.dirname(folder), "alembic.ini")
command.init(Config(ini), folder)
config = Config(ini)
config.set_main_option("sqlalchemy.url", url)
script = command.revision(config, message="create users", rev_id="1975ea83b712")
with open(script.path) as f:
    text = f.read()
text = text.replace(
    "def upgrade() -> None:\n    pass",
    "def upgrade() -> None:\n"
    "    op.create_table('mgal_users',\n"
    "        sa.Column('id', sa.Integer(), primary_key=True),\n"
    "        sa.Column('username', sa.String(50), nullable=False, unique=True))\n"
    "    op.execute(\"INSERT INTO mgal_users (username) VALUES ('ann')\")",
).replace(
    "def downgrade() -> None:\n    pass",
    "def downgrade() -> None:\n    op.drop_table('mgal_users')",
)
with open(script.path, "w") as f:
    f.write(text)
command.upgrade(config, "head")
