# Turn a freshly installed root (yum --installroot, debootstrap) into a Xen
# guest: a console for xm create -c, the guest's fstab, no HAL, its network
# and resolver, and SELinux off. Run it with --root on the image's folder.
include:
  - .console
  - .fstab
  - .services
  - .network
  - .selinux
