{#- salt/minion/<id>/start: a minion connected. Give it its highstate.
    data['id'] is the id the minion logged in with, set by the master. #}
highstate_{{ data['id'] }}:
  local.state.apply:
    - tgt: {{ data['id'] }}
