#!/usr/bin/env python3
"""The same workloads as retort-bench, written with Python SQLAlchemy (1.4, Debian's
python3-sqlalchemy): the ORM for objects and Core for plain rows.

    sqlalchemy_anchor.py --rows N [--databases sqlite,postgresql] [--postgres URL]

Prints tab-separated lines: workload, database, rows, seconds, flavour (orm or core).
"""
import argparse
import os
import random
import sys
import tempfile
import time

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, create_engine, event, select
from sqlalchemy.orm import Session, declarative_base, relationship, selectinload

Base = declarative_base()


class User(Base):
    __tablename__ = "bench_user"
    id = Column(Integer, primary_key=True)
    login = Column(String(64), nullable=False)
    email = Column(String(128))
    score = Column(BigInteger, nullable=False)


class Parent(Base):
    __tablename__ = "bench_parent"
    id = Column(Integer, primary_key=True)
    name = Column(String(32), nullable=False)
    children = relationship("Child", order_by="Child.id")


class Child(Base):
    __tablename__ = "bench_child"
    id = Column(Integer, primary_key=True)
    parent_id = Column(Integer, ForeignKey("bench_parent.id"), nullable=False, index=True)
    n = Column(BigInteger, nullable=False)
    label = Column(String(32), nullable=False)


def make_user(i):
    return User(login=f"user{i}", email=f"user{i}@example.com" if i % 3 else None, score=i % 1000)


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(engine, database, n, out):
    def fresh():
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)

    def report(workload, rows, seconds, flavour="orm"):
        print(f"{workload}\t{database}\t{rows}\t{seconds:.4f}\t{flavour}", file=out, flush=True)

    fresh()
    users = [make_user(i) for i in range(n)]

    def insert():
        with Session(engine) as session:
            session.add_all(users)
            session.commit()

    report("insert", n, timed(insert))

    def load():
        with Session(engine) as session:
            assert len(session.query(User).all()) == n

    report("load", n, timed(load))

    rng = random.Random(42)
    ids = [1 + rng.randrange(n) for _ in range(n // 10)]

    def get():
        with Session(engine) as session:
            got = [session.get(User, i) for i in ids]
            assert len(got) == len(ids)

    report("get", n // 10, timed(get))

    with Session(engine) as session:
        everyone = session.query(User).all()

        def update():
            for u in everyone:
                u.score += 1
            session.commit()

        report("update", n, timed(update))

    with Session(engine) as session:
        everyone = session.query(User).all()

        def delete():
            for u in everyone:
                session.delete(u)
            session.commit()

        report("delete", n, timed(delete))

    fresh()
    with Session(engine) as session:
        session.add_all([make_user(i) for i in range(n)])
        session.commit()

    def plain():
        with engine.connect() as conn:
            assert len(conn.execute(select(User.__table__)).all()) == n

    report("plain", n, timed(plain), "core")

    # selectin: N/10 parents with ten children each
    parents = max(1, n // 10)
    with Session(engine) as session:
        session.add_all([Parent(name=f"parent{i}") for i in range(parents)])
        session.flush()
        ids = [p.id for p in session.query(Parent).all()]
        session.bulk_insert_mappings(Child, [dict(parent_id=p, n=k, label=f"child{k}") for p in ids for k in range(10)])
        session.commit()

    def selectin():
        with Session(engine) as session:
            tree = session.query(Parent).options(selectinload(Parent.children)).all()
            assert sum(len(p.children) for p in tree) == parents * 10

    report("selectin", parents * 10, timed(selectin))
    Base.metadata.drop_all(engine)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=os.environ.get("RETORT_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    databases = args.databases.split(",")
    if "sqlite" in databases:
        path = os.path.join(tempfile.gettempdir(), "retort-bench", "anchor.sqlite")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        engine = create_engine(f"sqlite:///{path}")

        # The same journal mode and foreign-key setting as Retort's SQLite files.
        @event.listens_for(engine, "connect")
        def pragmas(dbapi_connection, _):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        run(engine, "sqlite", args.rows, sys.stdout)
        engine.dispose()
    if "postgresql" in databases:
        if not args.postgres:
            sys.exit("no PostgreSQL URL: pass --postgres or run under scripts/pg")
        engine = create_engine(args.postgres)
        run(engine, "postgresql", args.rows, sys.stdout)
        engine.dispose()


if __name__ == "__main__":
    main()
