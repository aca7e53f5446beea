{#- load_yaml's list is shared with the scopes inside, as set's is (conformance_shared_lists). #}
{%- load_yaml as from_yaml %}[1, 2]{% endload %}
{%- for x in [3] %}{% do from_yaml.append(x) %}{% endfor %}
load_yaml: {{ from_yaml }}
