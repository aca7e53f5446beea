# The alias hostsfile reads from the mine (salt-formulas' hostsfile:alias).
# mine_functions may be set here too, per minion: see docs/mine.md.
hostsfile:
  alias: network.ip_addrs
