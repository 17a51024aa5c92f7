"""Pure figure builders (DataFrame in, plotly Figure out) and the shared dark theme.

`theme.PALETTE` is the one place the wall-screen colours live; tables (layouts._shared.components) and
figures read it, so a status means the same colour everywhere.
"""
