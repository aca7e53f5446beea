"""Salt 3006's file.replace once its pattern matched nothing, for
file_replace_test.go: the lines of salt/modules/file.py replace() that
look for the content to add (the search for ^re.escape(content)($|(?=\r\n))
with the call's flags) and then append or prepend it, run by Python's re.

stdin: a JSON list of {"data", "content", "flags", "prepend"};
stdout: a JSON list of the resulting texts.
"""
import json
import os
import re
import sys


def add(data, content, flags, prepend):
    found = re.search("^{}($|(?=\r\n))".format(re.escape(content)), data, flags=flags)
    if found:
        return data
    new_file = data.splitlines(True)
    if prepend:
        new_file.insert(0, content + os.linesep)
    else:
        if len(new_file) != 0 and not new_file[-1].endswith(os.linesep):
            new_file[-1] += os.linesep
        new_file.append(content + os.linesep)
    return "".join(new_file)


json.dump([add(c["data"], c["content"], c["flags"], c["prepend"]) for c in json.load(sys.stdin)], sys.stdout)
