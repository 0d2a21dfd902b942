"""Adapter-API clients for the social-security bureau and the card banks, and their BPMN operators.

The bureau and the banks publish no public API; the product speaks the adapter API documented in
``docs/adapter-api.md`` and a deployment puts an adapter in front of its bureau or bank. Operators
are registered into an :class:`engine.operators.OperatorRegistry` by
:func:`connectors.registry.register_connectors`.
"""
