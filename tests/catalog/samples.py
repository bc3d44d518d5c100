"""Small input files for the catalog tests."""

from __future__ import annotations

from pathlib import Path

ITEMS_CSV = """movie_id,name,genres,year,overview
1,Toy Story,Animation|Comedy,1995,"Toys come alive when their owner leaves the room, and a new toy upsets the old order."
2,Heat,Action|Crime|Thriller,1995,"A detective and a career thief circle each other through Los Angeles over one long season."
3,Fargo,Crime|Drama,1996,"A car salesman arranges to have his wife kidnapped and everything that can go wrong does."
4,Babe,Children's|Comedy,1995,"A pig raised by sheepdogs learns to herd sheep and wins over a quiet farmer and his town."
"""
INTER_CSV = """uid,iid,r,ts
u1,1,5,100
u1,2,3,200
u2,2,4,150
u2,3,5,160
u3,4,2,300
"""
ITEMS_RECBOLE = (
    "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
    "1\tToy Story\t1995\tAnimation Children's Comedy\n"
    "2\tGoldenEye\t1995\tAction Adventure Thriller\n"
    "3\tFour Rooms\t1995\tThriller\n"
)
INTER_RECBOLE = (
    "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
    "196\t1\t3\t881250949\n"
    "186\t2\t3\t891717742\n"
    "196\t3\t1\t878887116\n"
)
USERS_RECBOLE = (
    "user_id:token\tage:token\tgender:token\toccupation:token\n"
    "196\t49\tM\twriter\n"
    "186\t39\tF\texecutive\n"
)


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
