"""The shop app: network -> service -> monitoring, once per environment.

Synthesize it with ``infrakit synth examples/shop/app.py -o infrakit.out``.
"""

from __future__ import annotations

from pathlib import Path

import infrakit as ik
from shop.monitoring import Monitoring, MonitoringInputs
from shop.network import Network, NetworkInputs
from shop.service import Service, ServiceInputs

CONFIG = Path(__file__).parent / "config"

app = ik.App("shop")

for environment in ("dev", "prod"):
    net = app.add(
        f"network-{environment}", Network, ik.load_inputs(NetworkInputs, CONFIG / f"{environment}.yaml", key="network")
    )
    # Settings from the file, parameters wired to the network instance.
    svc = app.add(
        f"service-{environment}",
        Service,
        ik.load_inputs(
            ServiceInputs,
            CONFIG / f"{environment}.yaml",
            key="service",
            vpc_id=net.outputs.vpc_id,
            subnet_ids=net.outputs.subnet_ids,
        ),
    )
    app.add(
        f"monitoring-{environment}",
        Monitoring,
        MonitoringInputs(queue_name=svc.outputs.queue_name, max_depth=1000 if environment == "prod" else 100),
    )
