"""Notes kept in a sqlite database."""
import sqlite3


def create(path):
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        db.execute("INSERT INTO notes (body) VALUES ('shipped with the image')")


def add(path, body):
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO notes (body) VALUES (?)", (body,))


def all_notes(path):
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT body FROM notes ORDER BY id")]
