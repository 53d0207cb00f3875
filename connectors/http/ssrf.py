"""The address policy that keeps feed fetches off internal networks (SSRF guard).

The check runs on the IP address the client actually connects to, after it resolved the name itself,
and again on every redirect hop, so a DNS answer that changes between check and connect cannot slip a
private address through. Loopback, private, link-local (cloud metadata at 169.254.169.254), multicast,
reserved, unspecified and other non-global ranges are refused unless an explicit allow-list names them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# NAT64's well-known prefix embeds an IPv4 address in its last 32 bits (RFC 6052).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Special-purpose ranges refused by name, because the ipaddress tables differ between Python releases.
_SPECIAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "2001::/23",
        "2001:db8::/32",
        "100::/64",
    )
)


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo client, NAT64), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: IPAddress) -> str | None:
    """Why an address is not a public Internet host ("loopback", "private", ...), or None if it is."""
    inner = embedded_ipv4(ip)
    if inner is not None:
        problem = address_problem(inner)
        if problem:
            return f"{problem} (IPv4 {inner} inside IPv6)"
        if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped is not None or ip in _NAT64):
            return None  # mapped, or DNS64 on an IPv6-only host: the IPv4 address is what is reached
    for name in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if not ip.is_global or any(ip in net for net in _SPECIAL if net.version == ip.version):
        return "special-purpose (not globally routable)"
    return None


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Refuse non-public addresses, except the networks and host names the allow-list names."""

    allow_networks: tuple[IPNetwork, ...] = ()
    allow_hosts: frozenset[str] = frozenset()

    @classmethod
    def allowing(cls, *entries: str) -> "AddressPolicy":
        """Build from strings: a CIDR or address ("127.0.0.1", "10.0.0.0/8", "::1") or a host name."""
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                hosts.add(entry.strip().lower().rstrip("."))
        return cls(tuple(networks), frozenset(hosts))

    def refusal(self, host: str, ip: IPAddress) -> str | None:
        """None if connecting to ``ip`` for ``host`` is allowed, else a reason a person can act on."""
        if host.lower().rstrip(".") in self.allow_hosts:
            return None
        if any(ip in net for net in self.allow_networks if net.version == ip.version):
            return None
        inner = embedded_ipv4(ip)
        if inner is not None and any(inner in net for net in self.allow_networks if net.version == 4):
            return None
        problem = address_problem(ip)
        if problem is None:
            return None
        return (
            f"{host} resolves to {ip}, a {problem} address, which the SSRF guard refuses "
            f"(add it to the fetch allow-list only if this feed is meant to be internal)"
        )


def parse_ip(text: str) -> IPAddress | None:
    """An IP literal (brackets and an IPv6 zone allowed) as an address, or None for a host name."""
    candidate = text.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def permitted(host: str, addresses: Iterable[IPAddress], policy: AddressPolicy) -> tuple[list[IPAddress], list[str]]:
    """Split resolved addresses into those the policy allows and the refusal reasons for the rest."""
    allowed: list[IPAddress] = []
    refused: list[str] = []
    for ip in addresses:
        reason = policy.refusal(host, ip)
        if reason is None:
            allowed.append(ip)
        else:
            refused.append(reason)
    return allowed, refused
