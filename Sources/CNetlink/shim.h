#ifndef XG_SCALE_CNETLINK_SHIM_H
#define XG_SCALE_CNETLINK_SHIM_H
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/bonding.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>
#include <linux/if_link.h>
#include <linux/if_bridge.h>
#include <linux/rtnetlink.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/if_addr.h>
#include <linux/veth.h>
#include <arpa/inet.h>

/* Attribute table sizes: the kernel headers define these as expressions Swift does not import. */
static inline int xg_ifla_max(void) { return IFLA_MAX; }
static inline int xg_ifla_info_max(void) { return IFLA_INFO_MAX; }
static inline int xg_ifla_br_max(void) { return IFLA_BR_MAX; }
static inline int xg_ifla_brport_max(void) { return IFLA_BRPORT_MAX; }
static inline int xg_ifla_bond_max(void) { return IFLA_BOND_MAX; }
static inline int xg_ifla_bond_slave_max(void) { return IFLA_BOND_SLAVE_MAX; }
static inline int xg_ifa_max(void) { return IFA_MAX; }
static inline int xg_rta_max(void) { return RTA_MAX; }
#endif
