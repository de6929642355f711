"""Creates the small sqlite database the Datasette app test browses.

    python make_db.py PATH

Table `birds` (name, habitat) with an FTS5 index, so Datasette's table page shows its
search form.
"""
import sqlite3
import sys

BIRDS = [
    ("Grey heron", "wetland"),
    ("Little egret", "wetland"),
    ("Common kingfisher", "river"),
    ("Eurasian wren", "woodland"),
    ("Great spotted woodpecker", "woodland"),
    ("Barn owl", "farmland"),
    ("Skylark", "farmland"),
    ("Common redshank", "wetland"),
]

db = sqlite3.connect(sys.argv[1])
db.executescript(
    """
    create table birds (id integer primary key, name text not null, habitat text not null);
    create virtual table birds_fts using fts5(name, habitat, content="birds", content_rowid="id");
    """
)
db.executemany("insert into birds (name, habitat) values (?, ?)", BIRDS)
db.execute("insert into birds_fts (rowid, name, habitat) select id, name, habitat from birds")
db.commit()
db.close()
