"""民生 minsheng: livelihood policy as software.

Layers, inner to outer: `codes` → `registry` → (rules, monitoring, …) → `web`, `cli`.
"""

__version__ = "0.1.0"
