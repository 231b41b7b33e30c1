"""Model providers: the interface in `base`, one adapter module per provider.

Nothing here imports an SDK: `base.provider_for` imports an adapter when a model needs it.
"""
