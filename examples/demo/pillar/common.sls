owner: ops@example.org
ssh_keys:
  alice: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF+9RtK++sKIcVNNQ8XN7EL7qA98v5/VG0tBFgAdPrFb
