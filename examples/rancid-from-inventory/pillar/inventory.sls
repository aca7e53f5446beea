# The device inventory, as exported from RackTables (or kept by hand): the
# rancid flag is the "Rancid" dictionary attribute of the seed, Yes or No.
inventory:
  devices:
    - {name: core-sw1,  ip: 10.0.0.2,  type: switch,   rancid: yes}
    - {name: core-sw2,  ip: 10.0.0.3,  type: switch,   rancid: yes}
    - {name: edge-rtr1, ip: 10.0.0.1,  type: router,   rancid: yes}
    - {name: fw1,       ip: 10.0.0.254, type: firewall, rancid: yes, vendor: netscreen}
    - {name: lab-sw9,   ip: 10.9.0.9,  type: switch,   rancid: no}
    - {name: pdu-a1,    ip: 10.0.1.10, type: pdu}
