"""Whether Salt's file.append finds a chunk already in a file, for
file_edit_test.go: stdin a JSON list of [chunk, file text] pairs; stdout a
JSON list of true/false, or null where the chunk's quotes are left open.

The regex is built as salt.utils.stringutils.build_whitespace_split_regex
builds it (Python's shlex in non-POSIX mode with whitespace_split and no
commenters, its quotes chosen by which quote characters the line holds;
re.escape of each word; optional whitespace around and between a line's
words; the lines run together; anchored at a line's start and end, as
Salt 3006's salt/utils/stringutils.py has it), then searched for with MULTILINE as file.search
does."""
import json
import re
import shlex
import sys


def words(line):
    lexer = shlex.shlex(line)
    lexer.whitespace_split = True
    lexer.commenters = ""
    if r"'\"" in line:
        lexer.quotes = ""
    elif "'" in line:
        lexer.quotes = '"'
    elif '"' in line:
        lexer.quotes = "'"
    return list(lexer)


def pattern(text):
    regex = ""
    for line in text.splitlines():
        regex += r"(?:[\s]+)?" + r"(?:[\s]+)?".join(re.escape(w) for w in words(line)) + r"(?:[\s]+)?"
    return r"(?m)^" + regex + "$"


out = []
for chunk, data in json.load(sys.stdin):
    try:
        out.append(bool(re.search(pattern(chunk), data, re.M)))
    except ValueError:
        out.append(None)
json.dump(out, sys.stdout)
