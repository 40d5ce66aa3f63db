"""A web network in two Google Cloud regions, with DNS records for both in AWS Route 53.

Four instances, two providers: each ``web-*`` instance renders a compute template, and
each ``dns-*`` instance a CloudFormation template whose parameter is wired (through the
``parameters`` integration) from the VM's static IP in the matching region.

Synthesize it with ``infrakit synth examples/gcp_app.py -o infrakit.out``.
"""

from __future__ import annotations

import attrs
from gcp_network import WebNetwork, WebNetworkInputs

import infrakit as ik
from infrakit.aws import route53


@ik.inputs
class DnsInputs:
    """A DNS name for an address that another instance publishes."""

    zone: str = attrs.field(default="example.com.", validator=attrs.validators.matches_re(r"^([a-z0-9-]+\.)+$"))
    host: str = attrs.field(default="www", validator=attrs.validators.matches_re(r"^[a-z0-9-]{1,63}$"))
    address: ik.Param[str] = ik.param(description="The IPv4 address the name points to")


@ik.outputs
class DnsOutputs:
    """The record's name."""

    fqdn: ik.Out[str]


class Dns(ik.Component[DnsInputs, DnsOutputs]):
    """An A record in a Route 53 hosted zone."""

    def build(self, inputs: DnsInputs) -> DnsOutputs:
        name = f"{inputs.host}.{inputs.zone}"
        self.add(
            route53.RecordSet(
                "Record",
                hosted_zone_name=inputs.zone,
                name=name,
                type="A",
                ttl="300",
                resource_records=[inputs.address],
            )
        )
        return DnsOutputs(fqdn=name)


app = ik.App("web")

for region, short in (("europe-west1", "eu"), ("us-central1", "us")):
    web = app.add(f"web-{short}", WebNetwork, WebNetworkInputs(prefix=f"web-{short}", region=region))
    app.add(f"dns-{short}", Dns, DnsInputs(host=f"www-{short}", address=web.outputs.external_ip))
