"""Python's random module for pyrandom_test.go.

stdin: a JSON list of [seed, op, args]; op is randrange (stop), randint
(a, b), getrandbits (k), shuffle (n: shuffles range(n)) or sample (n, k:
samples range(n)). random.seed(seed) before each. stdout: a JSON list of
the results.
"""
import json
import random
import sys

out = []
for seed, op, args in json.load(sys.stdin):
    random.seed(seed)
    if op == "randrange":
        out.append([random.randrange(args[0]) for _ in range(5)])
    elif op == "randint":
        out.append([random.randint(args[0], args[1]) for _ in range(5)])
    elif op == "getrandbits":
        out.append([random.getrandbits(args[0]) for _ in range(3)])
    elif op == "shuffle":
        x = list(range(args[0]))
        random.shuffle(x)
        out.append(x)
    elif op == "sample":
        out.append(random.sample(range(args[0]), args[1]))
json.dump(out, sys.stdout)
