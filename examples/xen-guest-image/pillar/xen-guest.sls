# The guest "mail" from the seed: static address, two nameservers, root on
# sda1 and swap on sda2 (the names the domU's Xen config gives its disks).
xen_guest:
  network:
    device: eth0
    hostname: myhost.l3i.ca
    address: 192.168.0.13
    netmask: 255.255.255.0
    broadcast: 192.168.0.255
    network: 192.168.0.0
    gateway: 192.168.0.1
    nameservers:
      - 4.2.2.1
      - 4.2.2.2
  fstab:
    - {name: /,        device: /dev/sda1, fstype: ext3,   opts: defaults,          dump: 1, pass: 1}
    - {name: none,     device: /dev/sda2, fstype: swap,   opts: sw}
    - {name: /dev/pts, device: none,      fstype: devpts, opts: 'gid=5,mode=620'}
    - {name: /dev/shm, device: none,      fstype: tmpfs}
    - {name: /proc,    device: none,      fstype: proc}
    - {name: /sys,     device: none,      fstype: sysfs}
