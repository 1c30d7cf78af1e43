"""The webhook SSRF guard understands IPv6: every form that maps or embeds a non-global IPv4
address is refused, at registration and again at delivery, after DNS resolution.

Found: [::127.0.0.1], NAT64 [64:ff9b::a9fe:a9fe] (169.254.169.254) and [64:ff9b::a00:1], 6to4
[2002:7f00:1::] and [2002:a9fe:a9fe::] were accepted as webhook URLs.
"""

import ipaddress
import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from api.v1 import webhooks

FOUND = ["::127.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b::a00:1", "2002:7f00:1::", "2002:a9fe:a9fe::"]
MORE = [
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "::a9fe:a9fe",  # IPv4-compatible
    "64:ff9b::c0a8:1",  # NAT64 of 192.168.0.1
    "64:ff9b:1::808:808",  # local-use NAT64 prefix: refused whatever it embeds
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2001:0:7f00:1::1",  # Teredo with a loopback server
    "::",
    "::1",
    "fe80::1%eth0",
    "fc00::1",
]
PUBLIC = ["2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8", "93.184.215.14"]

NON_GLOBAL_V4 = st.one_of(
    st.sampled_from(
        [
            "127.0.0.0/8",
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "169.254.0.0/16",
            "100.64.0.0/10",
            "0.0.0.0/8",
            "224.0.0.0/4",
            "240.0.0.0/4",
        ]
    ).flatmap(
        lambda net: st.integers(
            int(ipaddress.ip_network(net).network_address), int(ipaddress.ip_network(net).broadcast_address)
        )
    )
).map(ipaddress.IPv4Address)


def embeddings(v4: ipaddress.IPv4Address) -> list[str]:
    n = int(v4)
    return [
        str(ipaddress.IPv6Address((0xFFFF << 32) | n)),  # ::ffff:a.b.c.d
        str(ipaddress.IPv6Address(n)),  # ::a.b.c.d
        str(ipaddress.IPv6Address((0x64FF9B << 96) | n)),  # 64:ff9b::a.b.c.d
        str(ipaddress.IPv6Address((0x2002 << 112) | (n << 80))),  # 2002:aabb:ccdd::
        str(ipaddress.IPv6Address((0x20010000 << 96) | (n << 64) | 1)),  # Teredo, server = v4
        str(ipaddress.IPv6Address((0x20010000 << 96) | (0x08080808 << 64) | (n ^ 0xFFFFFFFF))),  # client = v4
    ]


@pytest.mark.parametrize("address", FOUND + MORE)
def test_embedded_private_addresses_are_refused(address):
    assert webhooks._address_allowed(address) is False


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    assert webhooks._address_allowed(address) is True


@settings(max_examples=300, deadline=None)
@given(NON_GLOBAL_V4)
def test_no_ipv6_form_of_a_non_global_ipv4_address_is_allowed(v4):
    assert not webhooks._address_allowed(str(v4))
    for form in embeddings(v4):
        assert not webhooks._address_allowed(form), form


@pytest.mark.django_db
@pytest.mark.parametrize("address", FOUND)
def test_refused_at_registration(address, token_client):
    body = {"url": f"https://[{address}]/hook", "events": ["enrolment.created"]}
    response = token_client.post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "url"
    assert not WebhookEndpoint.objects.exists()  # nothing half-saved


@pytest.mark.django_db
@pytest.mark.parametrize("address", FOUND)
def test_refused_at_delivery_after_dns_resolution(address, token_client, monkeypatch):
    answers = {"hooks.example.com": "93.184.215.14"}
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: [
            (socket.AF_INET6 if ":" in answers[host] else socket.AF_INET, 1, 6, "", (answers[host], 443))
        ],
    )
    body = {"url": "https://hooks.example.com/hook", "events": ["enrolment.created"]}
    hook = token_client.post("/api/v1/webhooks/", body, format="json").json()
    answers["hooks.example.com"] = address  # the name now resolves to an embedded private address
    endpoint = WebhookEndpoint.objects.get(uuid=hook["id"])
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="enrolment.created", payload={})
    connects = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connects.append(a))
    webhooks.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert connects == [] and "private" in delivery.last_error and delivery.status == DeliveryStatus.PENDING
    # and a name that resolves there is refused at registration too
    answers["inside.example.com"] = address
    refused = {"url": "https://inside.example.com/hook", "events": ["enrolment.created"]}
    assert token_client.post("/api/v1/webhooks/", refused, format="json").status_code == 400
