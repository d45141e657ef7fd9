"""The crisis demo and the live replay driver: the main job a new user runs first."""
