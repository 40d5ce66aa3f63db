"""shop: an example app of three small components, deployed per environment.

``network`` (a VPC with public subnets) feeds ``service`` (a queue, a versioned
bucket, a role and a secret), which feeds ``monitoring`` (an alarm on the queue).
Each is synthesized, tested and deployed on its own; ``app`` wires them for two
environments.
"""
