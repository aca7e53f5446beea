"""Salt's yaml_dquote (salt/utils/yamlencoding.py): PyYAML's Emitter
writing a double-quoted scalar with Salt's options, for
TestYAMLDquoteLikePyYAML. stdin: a JSON list of strings; stdout: a JSON
list of what yaml_dquote gives each."""
import io
import json
import sys

import yaml


def yaml_dquote(text):
    with io.StringIO() as ostream:
        yemitter = yaml.emitter.Emitter(ostream, width=sys.maxsize)
        yemitter.write_double_quoted(str(text))
        return ostream.getvalue()


json.dump([yaml_dquote(s) for s in json.load(sys.stdin)], sys.stdout)
