{#- salt/auth: a key asks to be accepted. Accept it when its id is one of
    the web servers' (data['id'] is the id the key asked for; see
    docs/reactor.md for what that trusts). #}
{% if data['act'] == 'pend' and data['id'].startswith('web') %}
accept_{{ data['id'] }}:
  wheel.key.accept:
    - args:
      - match: {{ data['id'] }}
{% endif %}
