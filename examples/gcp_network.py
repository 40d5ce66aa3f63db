"""A Google Cloud web VM in its own network: the GCP counterpart of ``examples/shop``.

A custom-mode VPC network with one subnetwork, firewall rules for SSH (from a
deploy-time source range) and for web traffic, a static external address, and a VM
with a boot disk that uses the address. Region and zone are inputs, so an app can
deploy the same component to several regions::

    app.add("web-eu", WebNetwork, WebNetworkInputs(prefix="web-eu", region="europe-west1"))
    app.add("web-us", WebNetwork, WebNetworkInputs(prefix="web-us", region="us-central1"))

Run it to print the compute template: ``python examples/gcp_network.py``.
"""

from __future__ import annotations

import attrs

import infrakit as ik
from infrakit.gcp import compute

#: Compute resource names (RFC 1035); the prefix leaves room for the longest suffix.
_PREFIX = r"^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$"


@ik.inputs
class WebNetworkInputs:
    """Where the network goes and what runs in it."""

    prefix: str = attrs.field(default="web", validator=attrs.validators.matches_re(_PREFIX))
    region: str = attrs.field(
        default="europe-west1", validator=attrs.validators.matches_re(r"^[a-z]+-[a-z]+[1-9][0-9]?$")
    )
    zone_suffix: str = attrs.field(default="b", validator=attrs.validators.in_(["a", "b", "c", "d"]))
    cidr: str = "10.10.0.0/24"
    machine_type: str = "e2-small"
    boot_image: str = "projects/debian-cloud/global/images/family/debian-12"
    boot_disk_gb: int = attrs.field(default=10, validator=[attrs.validators.ge(10), attrs.validators.le(2048)])
    ssh_source_range: ik.Param[str] = ik.param(
        default="35.235.240.0/20", description="CIDR range allowed to SSH in (default: Identity-Aware Proxy)"
    )


@ik.outputs
class WebNetworkOutputs:
    """What the network publishes."""

    network: ik.Out[str]
    subnetwork: ik.Out[str]
    instance: ik.Out[str]
    external_ip: ik.Out[str]


class WebNetwork(ik.Component[WebNetworkInputs, WebNetworkOutputs]):
    """A custom-mode VPC with one subnetwork, SSH and web firewall rules, and a VM on a static IP."""

    def build(self, inputs: WebNetworkInputs) -> WebNetworkOutputs:
        name, region = inputs.prefix, inputs.region
        zone = f"{region}-{inputs.zone_suffix}"

        network = self.add(
            compute.Network(
                f"{name}-net",
                auto_create_subnetworks=False,
                routing_config=compute.NetworkRoutingConfig(routing_mode="REGIONAL"),
                description=f"{name}: custom-mode network",
            )
        )
        subnet = self.add(
            compute.Subnetwork(
                f"{name}-subnet",
                region=region,
                network=network.ref,
                ip_cidr_range=inputs.cidr,
                private_ip_google_access=True,
            )
        )
        self.add(
            compute.Firewall(
                f"{name}-allow-ssh",
                network=network.ref,
                direction="INGRESS",
                priority=1000,
                allowed=[compute.Allowed(ip_protocol="tcp", ports=["22"])],
                source_ranges=[inputs.ssh_source_range],
                target_tags=["ssh"],
            )
        )
        self.add(
            compute.Firewall(
                f"{name}-allow-web",
                network=network.ref,
                direction="INGRESS",
                priority=1000,
                allowed=[compute.Allowed(ip_protocol="tcp", ports=["80", "443"])],
                source_ranges=["0.0.0.0/0"],
                target_tags=["web"],
            )
        )
        address = self.add(
            compute.Address(f"{name}-ip", region=region, address_type="EXTERNAL", network_tier="PREMIUM")
        )
        vm = self.add(
            compute.Instance(
                f"{name}-vm",
                zone=zone,
                machine_type=f"zones/{zone}/machineTypes/{inputs.machine_type}",
                tags=compute.Tags(items=["ssh", "web"]),
                labels={"component": "web-network"},
                disks=[
                    compute.AttachedDisk(
                        boot=True,
                        auto_delete=True,
                        type="PERSISTENT",
                        initialize_params=compute.AttachedDiskInitializeParams(
                            source_image=inputs.boot_image,
                            disk_size_gb=inputs.boot_disk_gb,
                            disk_type=f"zones/{zone}/diskTypes/pd-balanced",
                        ),
                    )
                ],
                network_interfaces=[
                    compute.NetworkInterface(
                        subnetwork=subnet.ref,
                        access_configs=[
                            compute.AccessConfig(
                                name="external-nat", type="ONE_TO_ONE_NAT", nat_ip=address.attrs.address
                            )
                        ],
                    )
                ],
                shielded_instance_config=compute.ShieldedInstanceConfig(enable_secure_boot=True),
            )
        )
        return WebNetworkOutputs(
            network=network.ref, subnetwork=subnet.ref, instance=vm.ref, external_ip=address.attrs.address
        )


if __name__ == "__main__":
    print(ik.synth(WebNetwork, WebNetworkInputs()).to_json(), end="")
