grains: {{ grains['os'] }} {{ grains.os }} {{ grains.get('os_family') }} {{ grains.get('nope', 'dflt') }} {{ grains.osmajorrelease + 1 }}
pillar: {{ pillar.get('app:name') }} {{ salt['pillar.get']('app:name') }} {{ pillar.get('app:missing', 'd') }} {{ pillar['app']['port'] }} {{ pillar.app.settings.workers }}
salt pillar: {{ salt['pillar.get']('app:settings:debug') }} {{ salt['pillar.get']('nope:x', 'dflt') }} {{ salt['pillar.get']('nope', default='kw') }} [{{ salt['pillar.get']('nope') }}]
salt pillar merge: {{ salt['pillar.get']('app:settings', default={'workers': 1, 'timeout': 30}, merge=True) }}
salt grains: {{ salt['grains.get']('os') }} {{ salt['grains.get']('ipv4:0') }} {{ salt['grains.get']('x', 'y') }}
salt cmd: {{ salt['cmd.run']('hostname -f') }} {{ salt['cmd.retcode']('true') }} {{ salt['cmd.retcode']('false') }}
config: {{ salt['config.get']('file_client') }} {{ salt['config.get']('os') }} {{ salt['config.get']('app:port') }} {{ salt['config.get']('none', 'd') }}
dotted: {{ salt.pillar.get('app:name') }}
opts: {{ opts.file_client }} {{ opts['renderer'] }}
context: sls={{ sls }} slspath={{ slspath }} tpldir={{ tpldir }} tplpath={{ tplpath }} tplfile={{ tplfile }} saltenv={{ saltenv }}
log: [{{ salt['log.debug']('hello') }}]{% do salt['log.info']('quiet') %}
filesys: {{ salt['file.dirname']('/etc/nginx/nginx.conf') }} {{ salt['file.basename']('/etc/nginx/nginx.conf') }} {{ salt['file.join']('/etc', 'nginx', 'x.conf') }}
test: {{ salt['test.true']() }} {{ salt['test.false']() }}
serialize: {{ salt['slsutil.serialize']('json', {'b': 1, 'a': [1, 2]}) }}
serialize yaml: |
  {{ salt['slsutil.serialize']('yaml', {'b': 1, 'a': [1, 2]})|indent(2) }}
merge: {{ salt['slsutil.merge']({'a': {'x': 1, 'y': 2}, 'l': [1]}, {'a': {'y': 3}, 'l': [2]}) }}
merge overwrite: {{ salt['slsutil.merge']({'a': {'x': 1, 'y': 2}}, {'a': {'y': 3}}, strategy='overwrite') }}
{%- set base = {'a': {'x': 1}} %}
{%- do salt['defaults.merge'](base, {'a': {'z': 2}, 'b': 1}) %}
defaults.merge in place: {{ base }}
deepcopy: {{ salt['defaults.deepcopy'](base) == base }} {{ salt['defaults.deepcopy'](base) is sameas base }}
