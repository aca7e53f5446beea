# A site's top file after Jinja: three environments, every matcher kind.
base:
  '*':
    - core
    - users
    - ssh
  'os_family:Debian':
    - match: grain
    - apt
    - unattended-upgrades
  'os_family:RedHat':
    - match: grain
    - yum
  'web* or G@roles:web':
    - nginx
    - nginx.tls
    - core            # repeated: applied once
  'E@db\d+\.prod\..*':
    - postgres
  'L@mail1.prod.example.com,mail2.prod.example.com':
    - postfix
  'roles:(cache|queue)':
    - match: grain_pcre
    - redis
  'role:monitor*':
    - match: pillar
    - prometheus
  '10.20.0.0/16':
    - match: ipcidr
    - dc2.firewall
  'edge':
    - match: nodegroup
    - edge.haproxy
  'G@virtual:kvm and not G@os:Rocky':
    - qemu-guest-agent
  'bastion*':
    - bastion
    - prod: prod.audit       # an SLS from another environment
    - match: glob
prod:
  'I@env:prod':
    - prod.hardening
    - prod.backup
  'E@db.*':
    - prod.postgres-tuning
dev:
  'I@env:dev or dev*':
    - dev.tools
