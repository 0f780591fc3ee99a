#!/bin/sh
# Install the Debian packages xg-scale needs to build, run and test. Idempotent; needs root.
set -eu
PACKAGES="
  pkg-config libnl-3-dev libnl-route-3-dev libstdc++-12-dev
  iproute2 nftables procps util-linux python3 python3-pip
  systemd
  drbd-utils
  rsyslog
  openssh-server openssh-client netcat-openbsd iputils-ping
  qemu-system-x86 busybox-static cpio kmod
  groff-base man-db jq
  dpkg-dev binutils lintian
  time
  linux-perf valgrind
"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "install-deps: installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -q
  # Services that packages would start on install (rsyslog, sshd) must not start here: the tests start
  # their own instances on loopback.
  printf '#!/bin/sh\nexit 101\n' > /tmp/xg-policy-rc.d && chmod +x /tmp/xg-policy-rc.d
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    $SUDO cp /tmp/xg-policy-rc.d /usr/sbin/policy-rc.d; cleanup=1
  else
    cleanup=0
  fi
  $SUDO apt-get install -y -q --no-install-recommends $missing
  [ "$cleanup" = 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d
fi
# The VM kernel and ifupdown2 are fetched with `apt-get download`, which needs package lists even
# when every package above was already installed.
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then sudo apt-get update -q; else apt-get update -q; fi
fi
# ifupdown2 is unpacked, not installed: installing it would take over the machine's own network
# configuration. Tests run it inside throwaway namespaces only.
sh "$(dirname "$0")/../Tests/RenderKernelTests/setup-ifupdown2.sh"
# ansible-core from PyPI, pinned: ansible-inventory is the oracle of the Ansible inventory tests,
# ansible-playbook runs contrib/ansible's module in the playbook tests.
ANSIBLE_CORE=2.18.19
case "$(ansible-playbook --version 2>/dev/null || true)" in
*"[core $ANSIBLE_CORE]"*) ;;
*)
  echo "install-deps: installing ansible-core $ANSIBLE_CORE from PyPI"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO python3 -m pip install -q "ansible-core==$ANSIBLE_CORE" 2>/dev/null \
    || $SUDO python3 -m pip install -q --break-system-packages "ansible-core==$ANSIBLE_CORE"
  ;;
esac
echo "install-deps: all packages present"
