"""The demo crisis scenario: a deterministic, fictional Southport-like stream with its ground truth.

``generate(ScenarioConfig(seed=7, scale=1.0))`` gives ~200,000 posts from ~50,000
accounts over 36 h in the fictional seaside town of Marlowe Bay: a false
identity claim about a knife-attack suspect, a pseudo-news site, a 2.8M-follower
megaphone, a coordinated cluster, incitement against Muslims, a police
refutation at T+21h, counter-speech, a late leak of the minor's protected real
name, and plenty of benign background. See docs/scenario.md.
"""

from __future__ import annotations

from wavebreak.scenario.generator import Scenario, generate
from wavebreak.scenario.model import NARRATIVES, ScenarioConfig, ScenarioFacts, Truth

__all__ = ["NARRATIVES", "Scenario", "ScenarioConfig", "ScenarioFacts", "Truth", "generate"]
