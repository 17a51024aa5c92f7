"""What each page and callback of one app needs, recorded while the app factory registers them.

`AccessMap.register_page(app, module)` notes the page's viewing threshold (the lowest role of
`PageMeta.roles`; empty: any signed-in user), then registers its callbacks and attributes every
callback that appeared to the page, with the `requires` mark of each writing one. The guard
reads this map for every request, so a new page or callback is covered without being listed
anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import dash

from dashboard.auth.principal import ROLES, Principal, Role, WriteRule, has_role, write_rule
from dashboard.config import ConfigError

__all__ = ["ROUTER_OUTPUT", "AccessMap", "CallbackAccess", "PageAccess"]

# Dash's page router: its output key, and the input that carries the page asked for.
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
ROUTER_PATH_INPUT = "_pages_location"


@dataclass(frozen=True)
class PageAccess:
    path: str
    module: str
    role: Role  # the lowest role that may see the page
    writes: bool  # has at least one writing callback (exports do not count)


@dataclass(frozen=True)
class CallbackAccess:
    output: str
    page: str | None  # the path of the page that registered it (None: not a page's)
    write: WriteRule | None


@dataclass
class AccessMap:
    pages: dict[str, PageAccess] = field(default_factory=dict)
    callbacks: dict[str, CallbackAccess] = field(default_factory=dict)
    public: frozenset[str] = frozenset()

    def register_page(self, app: dash.Dash, module: ModuleType) -> None:
        """Register `module`'s callbacks on `app`, attributing each to the page."""
        meta = module.PAGE
        roles = [r for r in meta.roles if r in ROLES]
        if len(roles) != len(meta.roles):
            raise ValueError(f"{module.__name__}: unknown role in {meta.roles!r}")
        before = set(app.callback_map)
        module.register_callbacks(app)
        writes = False
        for output in set(app.callback_map) - before:
            rule = write_rule(app.callback_map[output].get("callback"))
            writes = writes or (rule is not None and rule.writes)
            self.callbacks[output] = CallbackAccess(output, meta.path, rule)
        lowest: Role = min(roles, key=ROLES.index) if roles else "viewer"
        self.pages[meta.path] = PageAccess(meta.path, module.__name__, lowest, writes)

    def note_other_callbacks(self, app: dash.Dash) -> None:
        """Callbacks registered outside the pages (the shell's): writes need their mark."""
        for output, spec in app.callback_map.items():
            if output not in self.callbacks:
                self.callbacks[output] = CallbackAccess(
                    output, None, write_rule(spec.get("callback"))
                )

    def set_public(self, paths: tuple[str, ...], api_routes: list[str]) -> None:
        """Open `paths` to anyone; each must be a page that only reads, or an API route."""
        for path in paths:
            page = self.pages.get(path)
            if page is not None:
                if page.writes or page.role != "viewer":
                    why = "it has callbacks that write" if page.writes else f"it needs {page.role}"
                    raise ConfigError(f"auth.public: {path} cannot be public: {why}")
            elif path not in api_routes:
                known = ", ".join(sorted([*self.pages, *api_routes]))
                raise ConfigError(f"auth.public: {path} is not a page or API route ({known})")
        self.public = frozenset(paths)

    def page_allows(self, principal: Principal | None, path: str) -> bool:
        """May `principal` see the page at `path`? (An unknown path is the 404 page.)"""
        page = self.pages.get(path)
        if principal is None or principal.kind == "public":
            return path in self.public
        if principal.kind == "api_token":
            return False
        if principal.kind == "wall_token":
            return path == principal.bound_path
        return page is None or has_role(principal, page.role)

    def callback(self, output: str, callback_map: dict[str, Any]) -> CallbackAccess | None:
        """What the callback with output key `output` needs. Callbacks Dash adds once the
        app runs (its page router) are looked up in the app's `callback_map`."""
        found = self.callbacks.get(output)
        if found is None and output in callback_map:
            rule = write_rule(callback_map[output].get("callback"))
            found = CallbackAccess(output, None, rule)
        return found

    @staticmethod
    def router_path(body: dict[str, Any]) -> str | None:
        """The page the router callback is asked for, from its request body."""
        for item in body.get("inputs") or []:
            if (
                isinstance(item, dict)
                and item.get("id") == ROUTER_PATH_INPUT
                and item.get("property") == "pathname"
                and isinstance(item.get("value"), str)
            ):
                return str(item["value"])
        return None
