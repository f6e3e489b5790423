"""Agents (layer 3): stable-baselines3 algorithms, shipped configs, training runs and sweeps."""
