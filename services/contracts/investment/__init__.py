"""The investment plan of a CCC version: costing, funding sources and the funding gap."""
