rancid:
  router_db: /usr/local/rancid/var/networking/router.db
  default_vendor: cisco
  # Devices that are not in the inventory (router-manual.db in the seed).
  manual:
    - 192.168.100.1:cisco:up
