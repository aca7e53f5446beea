"""What Salt 3006's random module and random_* filters return for fixed
seeds, for saltfuncs_random_test.go. Each case is computed the way
salt/modules/mod_random.py and salt/utils/data.py compute it, with
Python's own random module:

  seed:    random.seed(id); random.randrange(range)
  rand_int: random.seed(seed); random.randint(start, end)
  sample:  random.Random(sha512(seed).hexdigest()).sample(value, size)

stdin: a JSON list of [kind, args]; stdout: a JSON list of results.
"""
import hashlib
import json
import random
import sys

out = []
for kind, args in json.load(sys.stdin):
    if kind == "seed":
        random.seed(args[1])
        out.append(random.randrange(args[0]))
    elif kind == "rand_int":
        random.seed(args[2])
        out.append(random.randint(args[0], args[1]))
    elif kind == "sample":
        h = hashlib.sha512(args[2].encode()).hexdigest()
        out.append(random.Random(h).sample(args[0], args[1]))
json.dump(out, sys.stdout)
