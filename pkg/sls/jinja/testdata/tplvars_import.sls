{#- Salt's loader gives a template imported without context its own
    tplfile/tpldir/tpldot; with context it sees the importer's. #}
{%- from "tplvars/where.jinja" import here, show without context %}
plain import: {{ here.file }} | {{ here.dir }} | {{ here.dot }}
macro from it: {{ show() }}
{%- from "tplvars/where.jinja" import here as h2 with context %}
with context: {{ h2.file }} | {{ h2.dir }} | {{ h2.dot }}
{%- import "tplvars/where.jinja" as w %}
import as module: {{ w.here.file }}
{%- from "../lib/near.jinja" import here as rel without context %}
relative: {{ rel }}
{%- include "tplvars/lib/piece.txt" without context %}
{%- include "tplvars/lib/piece.txt" %}
after: {{ tplfile }} | {{ tpldir }}
