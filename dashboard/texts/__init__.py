"""UI strings by area, merged into `dashboard.i18n.TEXT`.

Each module holds one area's `TEXT: dict[str, dict[str, str]]` (key -> {"vi": ..., "en": ...}),
so pages built at the same time never edit one shared dictionary. A key defined twice is an
error at import (see `dashboard.i18n`), never a silent override.
"""
