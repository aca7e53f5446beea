"""Salt 3006's IP filters (salt/utils/network.py: _is_ipv, _ip_options,
_ipv_filter, ipaddr, network_size), their lines as they are, run with
Python's ipaddress for TestIPFiltersLikeSalt. stdin: a JSON list of
[filter, value, options]; stdout: a JSON list of results."""
import ipaddress
import json
import sys


def _ip_options_global(ip_obj, version):
    return not ip_obj.is_private


def _ip_options_multicast(ip_obj, version):
    return ip_obj.is_multicast


def _ip_options_loopback(ip_obj, version):
    return ip_obj.is_loopback


def _ip_options_link_local(ip_obj, version):
    return ip_obj.is_link_local


def _ip_options_private(ip_obj, version):
    return ip_obj.is_private


def _ip_options_reserved(ip_obj, version):
    return ip_obj.is_reserved


def _ip_options_site_local(ip_obj, version):
    if version == 6:
        return ip_obj.is_site_local
    return False


def _ip_options_unspecified(ip_obj, version):
    return ip_obj.is_unspecified


def _ip_options(ip_obj, version, options=None):
    options_fun_map = {
        "global": _ip_options_global,
        "link-local": _ip_options_link_local,
        "linklocal": _ip_options_link_local,
        "ll": _ip_options_link_local,
        "link_local": _ip_options_link_local,
        "loopback": _ip_options_loopback,
        "lo": _ip_options_loopback,
        "multicast": _ip_options_multicast,
        "private": _ip_options_private,
        "public": _ip_options_global,
        "reserved": _ip_options_reserved,
        "site-local": _ip_options_site_local,
        "sl": _ip_options_site_local,
        "site_local": _ip_options_site_local,
        "unspecified": _ip_options_unspecified,
    }
    if not options:
        return str(ip_obj)
    options_list = [option.strip() for option in options.split(",")]
    for option, fun in options_fun_map.items():
        if option in options_list:
            fun_res = fun(ip_obj, version)
            if not fun_res:
                return None
    return str(ip_obj)


def _is_ipv(ip_addr, version, options=None):
    if not version:
        version = 4
    if version not in (4, 6):
        return None
    try:
        ip_obj = ipaddress.ip_address(ip_addr)
    except ValueError:
        try:
            ip_obj = ipaddress.ip_interface(ip_addr)
        except ValueError:
            return None
    if not ip_obj.version == version:
        return None
    return _ip_options(ip_obj, version, options=options)


def is_ipv4_filter(ip_addr, options=None):
    return isinstance(_is_ipv(ip_addr, 4, options=options), str)


def is_ipv6_filter(ip_addr, options=None):
    return isinstance(_is_ipv(ip_addr, 6, options=options), str)


def is_ip_filter(ip_addr, options=None):
    return is_ipv4_filter(ip_addr, options=options) or is_ipv6_filter(ip_addr, options=options)


def _ipv_filter(value, version, options=None):
    if version not in (4, 6):
        return
    if isinstance(value, (str, bytes)):
        return _is_ipv(value, version, options=options)
    elif isinstance(value, (list, tuple)):
        return [
            _is_ipv(addr, version, options=options)
            for addr in value
            if _is_ipv(addr, version, options=options) is not None
        ]
    return None


def ipv4(value, options=None):
    return _ipv_filter(value, 4, options=options)


def ipv6(value, options=None):
    return _ipv_filter(value, 6, options=options)


def ipaddr(value, options=None):
    ipv4_obj = ipv4(value, options=options)
    ipv6_obj = ipv6(value, options=options)
    if ipv4_obj is None or ipv6_obj is None:
        return ipv4_obj or ipv6_obj
    else:
        return ipv4_obj + ipv6_obj


def network_size(value):
    return ipaddress.ip_network(value, strict=False).num_addresses


FILTERS = {"is_ip": is_ip_filter, "is_ipv4": is_ipv4_filter, "is_ipv6": is_ipv6_filter,
           "ipaddr": ipaddr, "ipv4": ipv4, "ipv6": ipv6}


def run(c):
    name, value, options = c
    if name == "network_size":
        return network_size(value)
    return FILTERS[name](value, options or None)


json.dump([run(c) for c in json.load(sys.stdin)], sys.stdout)
