# Whatever host runs this tree with --root prepares the image in that folder.
base:
  '*':
    - xen-guest
