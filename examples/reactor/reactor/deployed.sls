{#- minion/<id>/app/deployed, sent by `brine event send app/deployed` on a
    minion: run the orchestration that tells the others, the old form of
    a runner reaction (its arguments directly under it). #}
tell_the_others:
  runner.state.orchestrate:
    - mods: orch.deployed
    - pillar:
        deployed_on: {{ data['id'] }}
        version: {{ data['data'].get('version', 'unknown') }}
